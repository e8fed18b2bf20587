// Jest setup of the plugin project. Browser tests (jsdom, the default) get create-plugin's setup (jest-dom
// matchers, TextEncoder, matchMedia, canvas stubs) plus the stubs below; a test file that declares
// `@jest-environment node` (e.g. one talking to the real server over HTTP) only gets the jest-dom matchers.
if (typeof HTMLCanvasElement === 'undefined') {
  require('@testing-library/jest-dom');
} else {
  require('./.config/jest-setup');

  // findBy*/waitFor give up after 1 s by default; on a loaded 2-core CI machine a page's first render (React 19's
  // development build especially) can take longer. A real absence still fails, with its message, inside jest's 5 s.
  require('@testing-library/react').configure({ asyncUtilTimeout: 4000 });

  // create-plugin stubs canvas getContext() to return undefined; @grafana/ui's Combobox/MultiCombobox measure option
  // text on a 2D context and crash without one. A fixed-width measure is enough for layout in jsdom.
  HTMLCanvasElement.prototype.getContext = function getContext() {
    return {
      font: '',
      measureText: (text) => ({ width: String(text).length * 8 }),
    };
  };

  // jsdom has no layout observers; Combobox's option list uses them for scrolling/virtualisation.
  class NoopObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  global.IntersectionObserver = global.IntersectionObserver || NoopObserver;
  global.ResizeObserver = global.ResizeObserver || NoopObserver;

  // jsdom has no MessageChannel (jsdom#2448); React 19's react-dom/server, which @grafana/ui 13 loads, creates one
  // when imported. Node's own would keep the test worker alive (react#26608), so a browser-like one delivering each
  // message in a later task, on the timer that was real when the setup ran (fake timers do not hold it back).
  if (typeof MessageChannel === 'undefined') {
    const later = setTimeout;
    class Port {
      onmessage = null;
      peer = null;
      postMessage(data) {
        const peer = this.peer;
        later(() => peer?.onmessage?.({ data, target: peer }));
      }
      start() {}
      close() {
        this.peer = null;
      }
    }
    global.MessageChannel = class MessageChannel {
      constructor() {
        this.port1 = new Port();
        this.port2 = new Port();
        this.port1.peer = this.port2;
        this.port2.peer = this.port1;
      }
    };
  }
}
