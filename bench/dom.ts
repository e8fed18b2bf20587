/*
 * @grafana/data reads `window` (and a stylesheet helper `document`) when it is loaded, so the
 * plugin's frame builders need a DOM to be imported in node. jsdom (already installed for jest's
 * jsdom environment) provides one. Import this before anything that pulls in @grafana/data.
 */
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { url: 'http://localhost/' });
const g = globalThis as Record<string, unknown>;
const w = dom.window as unknown as Record<string, unknown>;
for (const k of ['window', 'document', 'localStorage', 'HTMLElement', 'Element', 'Node', 'getComputedStyle', 'matchMedia', 'CSS', 'navigator']) {
  if (!(k in g) || g[k] === undefined) g[k] = k === 'window' ? dom.window : w[k];
}
g.addEventListener ??= () => undefined;
g.removeEventListener ??= () => undefined;
