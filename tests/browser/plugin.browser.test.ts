/**
 * Real-browser test (grafana-plugin.md §5.4): the BUILT plugin (dist/) in Debian's Chromium, loaded by a
 * SystemJS host that shares the npm builds of @grafana/* like Grafana does, talking through an emulated
 * data source proxy to a live backend (startServer with demo traffic). Grafana's core traces and logs panels
 * are served by stand-ins (src/pages/scenes/testing/host.tsx) that show what the page asked them for. Saves
 * screenshots (light and dark) under src/img/screenshots/ for the README and plugin.json.
 *
 * Needs `npm run build` first. Skips (with a message) only when /usr/bin/chromium is absent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Harness, buildHost, hostVersions, startHarness } from './harness';
import { kongRequest, tracesPayload } from '../../server/testing/otlp-builders';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
// The README and plugin.json (info.screenshots) show these; webpack copies src/img/** into the plugin archive.
// `npm run test:grafana-next` saves its own elsewhere (SCREENSHOTS_DIR).
const SHOTS = process.env.SCREENSHOTS_DIR ?? path.join(ROOT, 'src', 'img', 'screenshots');
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-test-token';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);

jest.setTimeout(240_000);

if (!HAVE_CHROMIUM) {
  // eslint-disable-next-line no-console
  console.warn(`Browser test SKIPPED: ${CHROMIUM} is absent (install it with: apt-get install -y chromium).`);
}

const d = HAVE_CHROMIUM ? describe : describe.skip;

async function rest<T>(base: string, p: string, init: RequestInit = {}): Promise<T> {
  const r = await fetch(`${base}/api/v1/${p}`, {
    ...init,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.headers ?? {}),
    },
  });
  const body = await r.text();
  if (!r.ok) {
    throw new Error(`${init.method ?? 'GET'} ${p} -> ${r.status}: ${body}`);
  }
  return JSON.parse(body) as T;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) {
      return v;
    }
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Starts tests/browser/backend.ts in a child process and reads its URLs. */
async function startBackend(dataDir: string): Promise<{ apiUrl: string; otlpUrl: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'backend.ts'), dataDir, TOKEN], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        const urls = JSON.parse(line) as { apiUrl: string; otlpUrl: string };
        resolve({ apiUrl: urls.apiUrl, otlpUrl: urls.otlpUrl, proc });
      }
    });
    proc.on('exit', (code) => reject(new Error(`backend exited with ${code}: ${err}`)));
  });
}

d('built plugin in a real browser against the live backend', () => {
  let server: { apiUrl: string; otlpUrl: string; proc: ChildProcess };
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  const pageErrors: string[] = [];
  let sessionId = '';
  let traceId = '';
  let pluginNames: string[] = [];

  beforeAll(async () => {
    for (const f of [
      'module.js',
      'datasource/module.js',
      'panels/lifecyclemap/module.js',
      'panels/debuglogs/module.js',
      'datasource/plugin.json',
    ]) {
      if (!fs.existsSync(path.join(DIST, f))) {
        throw new Error(`dist/${f} is missing: run \`npm run build\` before the browser test.`);
      }
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kongdbg-browser-'));
    server = await startBackend(path.join(tmp, 'data'));

    // A session over REST on the demo's orders API (it runs key-auth and rate-limiting), then wait for data.
    // Entities are learnt from ingested traffic: wait until the demo's routes were seen, then sample them all.
    const routeIds = await waitFor('demo routes', async () => {
      const e = await rest<{ routes: Array<{ id: string; name?: string }> }>(server.apiUrl, 'entities');
      return e.routes.length >= 3 ? e.routes.map((r) => r.id) : undefined;
    });
    const created = await rest<{ id: string }>(server.apiUrl, 'sessions', {
      method: 'POST',
      body: JSON.stringify({
        name: 'browser test',
        rule: { type: 'basic', routeIds },
        durationSeconds: 600,
        maxTraces: 500,
        captureLogs: true,
      }),
    });
    sessionId = created.id;
    await waitFor('captured traces and logs', async () => {
      const s = await rest<{ traceCount: number; logCount: number }>(server.apiUrl, `sessions/${sessionId}`);
      return s.traceCount >= 3 && s.logCount >= 1 ? s : undefined;
    });
    // A trace whose summary has plugins and reached the upstream (what the map should draw: the demo also sends
    // requests a plugin answers itself, a 401 from key-auth or a 429 from rate-limiting, with no upstream try).
    await waitFor('a captured trace through plugins to the upstream', async () => {
      const traces = await rest<{ traces: Array<{ traceId: string }> }>(server.apiUrl, `sessions/${sessionId}/traces`);
      for (const t of traces.traces) {
        const s = await rest<{
          lifecycle: { requestPlugins: Array<{ plugin: string }>; responsePlugins: Array<{ plugin: string }>; tries?: unknown[] };
        }>(server.apiUrl, `traces/${t.traceId}/summary`);
        const names = [...s.lifecycle.requestPlugins, ...s.lifecycle.responsePlugins].map((p) => p.plugin);
        if (names.length && s.lifecycle.tries?.length) {
          traceId = t.traceId;
          pluginNames = [...new Set(names)];
          return t;
        }
      }
      return undefined;
    });
    expect(traceId).not.toBe('');

    const hostJs = path.join(tmp, 'host.js');
    await buildHost(hostJs);
    harness = await startHarness({ distDir: DIST, hostJs, backendUrl: server.apiUrl, apiToken: TOKEN });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(harness.url);
    const loaded = await page.evaluate(() =>
      (window as unknown as { kongHost: { boot(s: unknown): Promise<string[]> } }).kongHost.boot(
        (window as unknown as { System: unknown }).System
      )
    );
    expect(loaded).toHaveLength(4);
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    if (server?.proc && server.proc.exitCode === null) {
      const exited = new Promise((r) => server.proc.once('exit', r));
      server.proc.kill('SIGTERM');
      await exited;
    }
    if (tmp) {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('runs the plugin on the React the harness provides (18 with @grafana/* 12.4, 19 with 13.x)', async () => {
    const react = await page.evaluate(
      () => (window as unknown as { kongHost: { reactVersion: string } }).kongHost.reactVersion
    );
    expect(react).toBe(hostVersions().react);
  });

  const renderApp = (p: string, mode: 'light' | 'dark') =>
    page.evaluate(
      (args) => (window as unknown as { kongHost: { renderApp(a: unknown): void } }).kongHost.renderApp(args),
      { path: p, mode }
    );
  const appUrl = () => page.evaluate(() => (window as unknown as { kongHost: { appUrl(): string } }).kongHost.appUrl());
  /** Nothing wider than the window: only the lifecycle map and tables scroll sideways, inside themselves. */
  const expectNoPageOverflow = async () => {
    const { scroll, client, widest } = await page.evaluate(() => {
      const client = document.documentElement.clientWidth;
      // elements sticking out of the window that no scrolling or clipping box inside the window holds
      const clipped = (el: Element) => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= client + 1) {
            return true;
          }
        }
        return false;
      };
      const widest = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > client + 1 && !clipped(el))
        .slice(0, 3)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} [${el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? ''}]`);
      return { scroll: document.documentElement.scrollWidth, client, widest };
    });
    expect({ scroll, widest }).toEqual({ scroll: Math.min(scroll, client), widest: [] });
  };

  it('the backend refuses calls without the token the proxy route injects', async () => {
    const r = await fetch(`${server.apiUrl}/api/v1/sessions`);
    expect(r.status).toBe(401);
  });

  for (const mode of ['light', 'dark'] as const) {
    it(`renders the lifecycle map and the correlated logs from the data source's queries (${mode})`, async () => {
      const result = await page.evaluate(
        (args) =>
          (
            window as unknown as { kongHost: { renderDashboard(a: unknown): Promise<unknown> } }
          ).kongHost.renderDashboard(args),
        { sessionId, traceId, mode }
      );
      const { summaryFrames, logRows } = result as { summaryFrames: string[]; logRows: number };
      expect(summaryFrames.map((f) => f.split(':')[0])).toEqual(['lifecycle', 'latency', 'tries']);
      expect(logRows).toBeGreaterThan(0);
      const map = page.getByTestId('lifecycle-map');
      await map.waitFor();
      await expect(map.getByText('Total', { exact: true }).isVisible()).resolves.toBe(true);
      await expect(map.getByText('Kong (internal)', { exact: true }).isVisible()).resolves.toBe(true);
      for (const name of pluginNames) {
        await expect(map.getByText(name, { exact: true }).first().isVisible()).resolves.toBe(true);
      }
      // The demo keeps logging, so compare the newest rendered lines with what the backend stored
      // (text bodies; some Kong records carry no body).
      const rows = page.getByTestId('logs-view').getByTestId('log-row');
      await rows.first().waitFor();
      const rendered = (await rows.allTextContents()).slice(0, 8);
      const stored = await rest<{ logs: Array<{ body: unknown }> }>(
        server.apiUrl,
        `sessions/${sessionId}/logs?limit=1000`
      );
      const bodies = stored.logs.map((l) => l.body).filter((b): b is string => typeof b === 'string' && b.length > 3);
      expect(rendered.some((row) => bodies.some((b) => row.includes(b)))).toBe(true);
      await page.screenshot({ path: path.join(SHOTS, `dashboard-${mode}.png`), fullPage: true });
      expect(pageErrors).toEqual([]);
    });

    it(`renders the app's Sessions page and session detail through the proxy (${mode})`, async () => {
      await renderApp('/', mode);
      const table = page.getByRole('table', { name: 'Sessions' });
      await table.waitFor();
      await table.getByText('browser test').waitFor();
      // the app's root opens the Sessions page
      expect(await appUrl()).toMatch(/^\/a\/kongdbg-debugger-app\/sessions/);
      const row = table.getByRole('row').filter({ hasText: 'browser test' });
      await expect(row.textContent()).resolves.toContain('In progress');
      await expect(row.getByRole('link', { name: /Run browser test again/ }).getAttribute('href')).resolves.toBe(
        `/a/kongdbg-debugger-app/sessions/new?again=${sessionId}`
      );
      await expectNoPageOverflow();
      await page.screenshot({ path: path.join(SHOTS, `sessions-${mode}.png`), fullPage: true });

      await renderApp(`/sessions/${sessionId}`, mode);
      const summary = page.getByRole('region', { name: 'Session summary' });
      await summary.getByTestId('lifecycle-map').waitFor();
      const traces = page.getByRole('table', { name: 'Traces' });
      await traces.waitFor();
      // the session's life became the URL's absolute time range
      await waitFor('absolute range in the URL', async () => ((await appUrl()).includes('from=20') ? true : undefined), 10_000);
      // the newest trace (the demo keeps adding traces, so an older one may have moved to a later page)
      const first = traces.getByRole('row').nth(1);
      const picked = ((await first.locator('td').last().textContent()) ?? '').trim();
      expect(picked).toMatch(/^[0-9a-f]{32}$/);
      // by its id: the table is live, so a trace arriving now moves the rows under a positional locator
      await traces.getByRole('row').filter({ hasText: picked }).click();
      // the selected trace in Grafana's traces panel (stand-in), asked for with our trace frame and span options
      const panel = page.getByRole('region', { name: 'Selected trace' }).getByTestId('core-panel-traces');
      await panel.getByTestId('span-row').first().waitFor();
      await expect(panel.getAttribute('data-frames')).resolves.toBe('Trace');
      // no span picked yet: nothing focused
      await expect(panel.getAttribute('data-options')).resolves.toBe('createFocusSpanLink,createSpanLink,datasource');
      expect(await appUrl()).toContain(`trace=${picked}`);
      await expectNoPageOverflow();
      await page.screenshot({ path: path.join(SHOTS, `session-detail-${mode}.png`), fullPage: true });

      // the session's Logs tab: every line of the session (no trace id), newest first, each linking to its trace/span
      await renderApp(`/sessions/${sessionId}/logs`, mode);
      const pageTabs = page.getByRole('tablist', { name: 'Page tabs' });
      await pageTabs.getByRole('tab', { name: 'Logs' }).waitFor();
      await expect(pageTabs.getByRole('tab').allTextContents()).resolves.toEqual(['Traces', 'Logs']);
      const sessionLogs = page.getByRole('region', { name: 'Session logs' }).getByTestId('core-panel-logs');
      await waitFor('log lines of the session', async () => ((await sessionLogs.getByTestId('log-line').count()) > 0 ? true : undefined), 20_000);
      await expect(sessionLogs.getAttribute('data-sort')).resolves.toBe('Descending');
      await waitFor('absolute range on the Logs tab', async () => ((await appUrl()).includes('from=20') ? true : undefined), 10_000);
      const logHref = await sessionLogs.getByTestId('log-link-traceID').first().getAttribute('href');
      expect(logHref).toMatch(new RegExp(`^/a/kongdbg-debugger-app/trace/[0-9a-f]{32}\\?session=${sessionId}$`));
      await expectNoPageOverflow();
      await page.screenshot({ path: path.join(SHOTS, `session-logs-${mode}.png`), fullPage: true });

      // New session: the advanced rule is validated live by the backend, errors shown at their positions.
      await renderApp('/sessions/new', mode);
      await page.getByRole('form', { name: 'New debug session' }).waitFor();
      await page.getByRole('radio', { name: /Advanced/ }).check({ force: true });
      await page.getByRole('textbox', { name: 'Expression' }).fill('http.method == "GET" && http.nope > 3');
      const errors = page.getByTestId('expression-errors');
      await errors.waitFor();
      expect(await errors.locator('mark').count()).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(SHOTS, `new-session-${mode}.png`), fullPage: true });
      await page.getByRole('textbox', { name: 'Expression' }).fill('http.method == "GET"');
      await page.getByText('Valid expression').waitFor();
      expect(pageErrors).toEqual([]);
      expect(harness.proxied.filter((c) => c.status >= 400)).toEqual([]);
      expect(harness.proxied.length).toBeGreaterThan(0);
    });

    it(`renders a trace's Summary, Spans and Logs tabs at 1280x800 (${mode})`, async () => {
      await renderApp(`/trace/${traceId}?session=${sessionId}`, mode);
      const tabs = page.getByRole('tablist', { name: 'Page tabs' });
      await tabs.getByRole('tab', { name: 'Logs' }).waitFor();
      await expect(tabs.getByRole('tab').allTextContents()).resolves.toEqual(['Summary', 'Spans', 'Logs']);
      const card = page.getByTestId('trace-info');
      await card.waitFor();
      const summary = await rest<{ startTimeUnixNano: string; statusCode?: number }>(server.apiUrl, `traces/${traceId}/summary`);
      // the start time to the nanosecond
      await expect(card.textContent()).resolves.toContain(`.${summary.startTimeUnixNano.slice(-9)}Z`);
      const map = page.getByTestId('lifecycle-map');
      await map.waitFor();
      // one flow, each party once, nothing wider than the window outside the map's own scroller
      expect(await map.getByTestId('endpoint-client').count()).toBe(1);
      expect(await map.getByTestId('endpoint-upstream').count()).toBe(1);
      await map.getByTestId('return-to-client').waitFor();
      const flow = await map.getByTestId('lifecycle-flow').evaluate((el) => ({ client: el.clientWidth, scroll: el.scrollWidth }));
      expect(flow.scroll).toBeLessThanOrEqual(flow.client); // at 1280 px the demo's flow fits without scrolling
      await expectNoPageOverflow();
      await page.screenshot({ path: path.join(SHOTS, `trace-summary-${mode}.png`), fullPage: true });

      // a plugin node selects its span; "Show in Spans" opens it in the Spans tab
      await map.locator('[data-testid^="node-"]').first().click();
      await page.getByTestId('selected-span').getByRole('link', { name: /Show in Spans/ }).click();
      const spans = page.getByTestId('core-panel-traces');
      await spans.getByTestId('span-row').first().waitFor();
      expect(await appUrl()).toMatch(new RegExp(`/trace/${traceId}/spans\\?.*span=[0-9a-f]{16}`));
      const focused = await spans.getAttribute('data-focused');
      expect(focused).toMatch(/^[0-9a-f]{16}$/);
      await expect(spans.locator(`[data-span-id="${focused}"]`).getAttribute('aria-current')).resolves.toBe('true');
      await expect(spans.getAttribute('data-frames')).resolves.toBe('Trace');
      const stored = await rest<{ spans: Array<{ spanId: string }> }>(server.apiUrl, `traces/${traceId}`);
      expect(await spans.getByTestId('span-row').count()).toBe(stored.spans.length);
      // Kong's spans say what they measure
      expect(await spans.getByTestId('span-description').count()).toBeGreaterThan(0);
      await expectNoPageOverflow();
      await page.screenshot({ path: path.join(SHOTS, `trace-spans-${mode}.png`), fullPage: true });

      // the span's logs, from its "Logs for this span" link
      await spans.locator(`[data-span-id="${focused}"]`).getByRole('link', { name: 'Logs for this span' }).click();
      const logs = page.getByTestId('core-panel-logs');
      await logs.waitFor();
      await expect(logs.getAttribute('data-sort')).resolves.toBe('Descending');
      await page.getByTestId('logs-span-filter').waitFor();
      // all spans of the trace: lines with links back to their spans
      await page.getByRole('button', { name: 'All spans' }).click();
      await waitFor('log lines of the trace', async () => ((await logs.getByTestId('log-line').count()) > 0 ? true : undefined), 20_000);
      const href = await logs.getByTestId('log-link-spanID').first().getAttribute('href');
      expect(href).toMatch(new RegExp(`^/a/kongdbg-debugger-app/trace/${traceId}/spans\\?session=${sessionId}&span=[0-9a-f]{16}$`));
      await expectNoPageOverflow();
      await page.screenshot({ path: path.join(SHOTS, `trace-logs-${mode}.png`), fullPage: true });
      expect(pageErrors).toEqual([]);
      expect(harness.proxied.filter((c) => c.status >= 400)).toEqual([]);
    });
  }

  it('shows a trace posted over OTLP in the open Session page within a second, without a reload or a re-query', async () => {
    // a session on a route only this test sends to: the demo's traffic does not reach it
    const routeId = randomUUID();
    const created = await rest<{ id: string; status: string }>(server.apiUrl, 'sessions', {
      method: 'POST',
      body: JSON.stringify({ name: 'live browser test', rule: { type: 'basic', routeIds: [routeId] }, durationSeconds: 600, maxTraces: 50 }),
    });
    await renderApp(`/sessions/${created.id}`, 'light');
    const header = page.getByRole('region', { name: 'Session' });
    await header.getByText('Live', { exact: true }).waitFor();
    await page.getByText('No traces captured yet.').waitFor();
    // the live query's event stream is open through the proxy
    const streamPath = `/api/datasources/proxy/uid/kongdbg-ds/api/v1/sessions/${created.id}/stream`;
    await waitFor('the session stream', async () => (harness.proxied.some((c) => c.path === streamPath && c.status === 200) ? true : undefined), 10_000);
    const listPath = `/api/datasources/proxy/uid/kongdbg-ds/api/v1/sessions/${created.id}/traces`;
    // the live query reads the list once beside opening its stream, and the proxy logs a call when it has answered:
    // count the reads once that one is in (no new read for half a second)
    const listReads = () => harness.proxied.filter((c) => c.path === listPath).length;
    let lists = listReads();
    for (let quietSince = Date.now(); Date.now() - quietSince < 500; ) {
      await new Promise((r) => setTimeout(r, 50));
      if (listReads() !== lists) {
        lists = listReads();
        quietSince = Date.now();
      }
    }
    // a page reload would lose this
    await page.evaluate(() => ((window as unknown as { liveMark: number }).liveMark = 1));

    const trace = kongRequest({ routeId, path: '/live/arrives', status: 201 });
    // as Kong's opentelemetry plugin sends it, with an ingest token in config.headers
    const ingest = await rest<{ token: string }>(server.apiUrl, 'tokens', { method: 'POST', body: JSON.stringify({ name: 'live browser test', role: 'ingest' }) });
    const posted = await fetch(`${server.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest.token}` },
      body: JSON.stringify(tracesPayload(trace.spans, trace.resource)),
    });
    expect(posted.status).toBe(200);
    const sent = Date.now();
    const row = page.getByRole('table', { name: 'Traces' }).getByRole('row').filter({ hasText: trace.traceId });
    await row.waitFor({ timeout: 1000 });
    const tookMs = Date.now() - sent;
    await expect(row.textContent()).resolves.toContain('/live/arrives');
    expect(tookMs).toBeLessThanOrEqual(1000);
    expect(await page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark)).toBe(1);
    // from the stream: the list was not read again
    expect(listReads()).toBe(lists);
    // the header's count follows
    await header.getByText('1 / 50').waitFor({ timeout: 5000 });

    // stopping ends the stream: the final status, and the page stops being live
    await rest(server.apiUrl, `sessions/${created.id}/stop`, { method: 'POST' });
    await header.getByText('Cancelled', { exact: true }).waitFor({ timeout: 10_000 });
    await expect(header.getByText('Live', { exact: true }).count()).resolves.toBe(0);
    await expect(row.count()).resolves.toBe(1);
    expect(pageErrors).toEqual([]);
    expect(harness.proxied.filter((c) => c.status >= 400)).toEqual([]);
  });

  it('compares a trace with the typical one on the map, with abnormal flags, statistics and an upload', async () => {
    await renderApp(`/trace/${traceId}?session=${sessionId}`, 'light');
    const trace = page.getByRole('region', { name: 'Trace summary' });
    await trace.getByTestId('lifecycle-map').waitFor();
    // the statistics table of the same trace, from the backend
    const stats = trace.getByRole('table', { name: 'Span statistics' });
    await stats.waitFor();
    const expected = await rest<{ rows: Array<{ group: string }> }>(server.apiUrl, `traces/${traceId}/statistics`);
    await expect(stats.getByRole('row').nth(1).textContent()).resolves.toContain(expected.rows[0].group);

    await trace.getByRole('button', { name: /Compare with typical/ }).click();
    await trace.getByTestId('compare-summary').waitFor();
    const cmp = await rest<{ typical: { traceId: string }; nodes: Array<{ key: string; presence: string; diffNs?: number }> }>(
      server.apiUrl,
      `traces/${traceId}/compare/typical?sessionId=${sessionId}`
    );
    await expect(trace.getByTestId('compare-summary').textContent()).resolves.toContain(cmp.typical.traceId);
    // every node of the comparison is drawn with both values (or marked as one trace's only)
    for (const n of cmp.nodes) {
      const line = trace.getByTestId(`compare-${n.key}`);
      await line.waitFor();
      const text = (await line.textContent()) ?? '';
      if (n.presence === 'both') {
        expect(text).toMatch(/^vs .+ [+−±]/);
      } else {
        expect(text).toMatch(n.presence === 'onlyA' ? /only in this trace/ : /only in the other/);
      }
    }
    await expect(trace.getByTestId('latency-diff-total').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'compare-light.png'), fullPage: true });

    // "Compare with…" another trace of the session, by id: in the URL, asked of the server, drawn node by node
    const list = await rest<{ traces: Array<{ traceId: string }> }>(server.apiUrl, `sessions/${sessionId}/traces?limit=5`);
    const other = list.traces.map((t) => t.traceId).find((id) => id !== traceId && id !== cmp.typical.traceId) ?? cmp.typical.traceId;
    await trace.getByRole('textbox', { name: 'Trace to compare with' }).fill(other.toUpperCase());
    await trace.getByRole('button', { name: /Compare with…/ }).click();
    await waitFor('compare in the URL', async () => ((await appUrl()).includes(`compare=${other}`) ? true : undefined), 10_000);
    await waitFor('the comparison with the other trace', async () => ((await trace.getByTestId('compare-summary').textContent())?.includes(`trace ${other}`) ? true : undefined), 10_000);
    const pair = await rest<{ nodes: Array<{ key: string }> }>(server.apiUrl, `traces/${traceId}/compare/${other}`);
    for (const n of pair.nodes) {
      await trace.getByTestId(`compare-${n.key}`).waitFor();
    }

    // Upload the exported trace from the Sessions page: through the data source's `uploads` proxy route.
    const exported = await fetch(`${server.apiUrl}/api/v1/traces/${traceId}/export`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const file = path.join(tmp, `trace-${traceId}.json`);
    fs.writeFileSync(file, Buffer.from(await exported.arrayBuffer()));
    await renderApp('/', 'light');
    await page.getByRole('table', { name: 'Sessions' }).waitFor();
    await page.getByTestId('upload-trace-input').setInputFiles(file);
    await page.getByText('1 trace added to the Uploads session.').waitFor();
    await page.getByRole('table', { name: 'Sessions' }).getByText('Uploads').waitFor();
    expect(harness.proxied.filter((c) => c.path.endsWith('/uploads'))).toEqual([
      { method: 'POST', path: '/api/datasources/proxy/uid/kongdbg-ds/api/v1/uploads', status: 201 },
    ]);
    expect(harness.proxied.filter((c) => c.status >= 400)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
