import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { batchMaker, overload, serve, stop, summarize, sustainableRate, type Served } from './testing-load';

/*
 * Issue 16, item 5: overload is answered in time. The real server (CLI `serve`, SQLite) in its own
 * process, one session capturing every trace; first its sustainable rate with 4 requests in flight,
 * then 4× that rate offered by up to 256 keep-alive exporters. Every request must be answered (200,
 * or 429 with Retry-After: never a timeout or a dropped connection), what was acknowledged must be
 * stored and nothing else, and every answer must come within 1 s (before: median 7-10 s, some past
 * 20 s, no 429 at all).
 */

const SECONDS = 6;
const TRACES_PER_BATCH = 60; // 180 spans, about a Kong batch (200)
const EXPORTERS = 256;

let dir: string;
let served: Served | undefined;
afterEach(async () => {
  if (served) await stop(served);
  served = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function allTraceIds(api: string, sessionId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor = '';
  do {
    const res = await fetch(`${api}/api/v1/sessions/${sessionId}/traces?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const page = (await res.json()) as { traces: Array<{ traceId: string }>; nextCursor?: string };
    for (const t of page.traces) ids.add(t.traceId);
    cursor = page.nextCursor ?? '';
  } while (cursor);
  return ids;
}

it('at 4× the sustainable rate every request is answered within bounds, 200 or 429 + Retry-After, and exactly what was acknowledged is stored', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-overload-'));
  served = await serve(dir);
  const created = await fetch(`${served.api}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 600, maxTraces: 100_000 }),
  });
  expect(created.status).toBe(201);
  const session = (await created.json()) as { id: string };
  const url = `${served.otlp}/v1/traces`;
  const make = batchMaker(TRACES_PER_BATCH);

  const warm = await sustainableRate(url, Array.from({ length: 300 }, make), 4, 3000);
  expect(warm.rate).toBeGreaterThan(0);
  // within the session's cap of 100,000 traces however fast the machine
  const count = Math.min(Math.ceil(warm.rate * 4 * SECONDS), Math.floor((100_000 - warm.acknowledged.length) / TRACES_PER_BATCH / 2));
  const result = await overload(url, Array.from({ length: count }, make), { rate: warm.rate * 4, exporters: EXPORTERS, ms: SECONDS * 1000, timeoutMs: 30_000 });
  const s = summarize(result);
  const receiver = ((await (await fetch(`${served.api}/api/v1/stats`)).json()) as { receiver?: Record<string, number> }).receiver ?? {};
  const established = summarize({ ...result, answers: result.answers.filter((a) => a.connectMs === undefined) });
  console.log(`overload: sustainable ${warm.rate.toFixed(1)} batches/s of ${TRACES_PER_BATCH * 3} spans; offered ${result.offeredPerSecond.toFixed(1)}/s; ` +
    `answers ${JSON.stringify(s.codes)}, ${s.refusedPct.toFixed(1)} % refused; ${(100 * s.withinOneSecond).toFixed(1)} % within 1 s ` +
    `(${(100 * established.withinOneSecond).toFixed(1)} % of ${established.n} on established connections, their p99 ${established.p99.toFixed(0)} ms); answer time p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, max ${s.max.toFixed(0)} ms` +
    [200, 429].map((c) => summarize(result, c)).map((x, i) => `; ${[200, 429][i]}: p50 ${x.p50.toFixed(0)}, p99 ${x.p99.toFixed(0)}, max ${x.max.toFixed(0)} ms`).join('') +
    `; refused for the expected wait ${receiver.refusedWait}, late at their turn ${receiver.refusedLate}, held commits (503) ${receiver.refusedUnavailable}`);

  // every request answered: 200, or refused with a Retry-After the exporter can honour
  const unanswered = result.answers.filter((a) => a.status === 0);
  expect(unanswered.map((a) => a.error)).toEqual([]);
  for (const a of result.answers) {
    expect([200, 429, 503]).toContain(a.status);
    if (a.status !== 200) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
  }
  expect(s.n).toBe(result.sent);
  // overload is recognised (some refused) and the server still does useful work (some accepted)
  expect(s.codes[429]).toBeGreaterThan(0);
  expect(s.codes[200]).toBeGreaterThan(0);
  // Answered in time: every answer within 1 s, on established connections and new ones alike. Before:
  // half or more took over 1 s, none was refused, the slowest 19-26 s; then the first requests on
  // connections opened at the burst's start took 1-3.5 s (accepted one per event-loop iteration,
  // behind 40-70 ms turns: turns.ts) and admitted ones up to 1.1 s (now refused at a late turn).
  expect(established.withinOneSecond).toBe(1);
  expect(s.withinOneSecond).toBe(1);

  // acknowledged means stored; refused means not stored
  const stored = await allTraceIds(served.api, session.id);
  const acknowledged = new Set([...warm.acknowledged, ...result.acknowledged]);
  expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);
  expect(stored.size).toBe(acknowledged.size);
}, 120_000);
