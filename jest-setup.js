// Jest setup of the plugin project. Browser tests (jsdom, the default) get create-plugin's setup (jest-dom
// matchers, TextEncoder, matchMedia, canvas stubs) plus the stubs below; a test file that declares
// `@jest-environment node` (e.g. one talking to the real server over HTTP) only gets the jest-dom matchers.
if (typeof HTMLCanvasElement === 'undefined') {
  require('@testing-library/jest-dom');
} else {
  require('./.config/jest-setup');

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
}
