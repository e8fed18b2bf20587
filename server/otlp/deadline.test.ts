import http from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerOtlpRoutes, type OtlpSink } from './receiver';
import type { DecodedLogBatch, DecodedTraceBatch } from './types';

/*
 * Issue 16, item 5: an admitted request is answered by its deadline. When its turn comes so late that
 * the time requests recently took from their turn to their answer would pass the deadline, it is
 * refused (429 + Retry-After) before any work: the sink never sees it, so the retry stores it once.
 */

/** a sink whose ingest is synchronous work of `ms` (as decode, rule matching and SQLite writes are) */
class BusySink implements OtlpSink {
  traceIds: string[] = [];
  constructor(private ms: number) {}
  ingestTraces(batch: DecodedTraceBatch): void {
    const end = performance.now() + this.ms;
    while (performance.now() < end);
    this.traceIds.push(...batch.spans.map((s) => s.traceId));
  }
  ingestLogs(_batch: DecodedLogBatch): void {}
}

const traceIdOf = (i: number) => (i + 1).toString(16).padStart(32, '0');
const doc = (i: number) =>
  JSON.stringify({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: traceIdOf(i), spanId: '00000000000000aa', name: 'kong', kind: 2, startTimeUnixNano: '1751364930123000000', endTimeUnixNano: '1751364930173713402' }] }] }],
  });

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

function post(port: number, body: string, agent: http.Agent | false = false): Promise<{ status: number; retryAfter?: string; text: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers: { 'content-type': 'application/json' }, agent }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, text, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

it('a request whose turn comes too late for its deadline is refused with 429 + Retry-After before its ingest; the others are answered 200', async () => {
  const sink = new BusySink(60);
  app = Fastify({ forceCloseConnections: true });
  // admission lets them all in (no wait bound); one request per turn; answers due 200 ms after arrival
  const stats = registerOtlpRoutes(app, sink, { maxQueueWaitMs: 60_000, turnBudgetMs: 1, answerDeadlineMs: 200 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  // eight connections opened first (new connections are accepted one per event-loop iteration, so requests on them
  // would arrive one per turn), and requests that show the receiver how long one takes from its turn
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const warm = await Promise.all(Array.from({ length: 8 }, (_, i) => post(port, doc(100 + i), agent)));
  const warmOk = warm.map((a, i) => (a.status === 200 ? traceIdOf(100 + i) : undefined)).filter((x) => x !== undefined);
  expect(warmOk.length).toBeGreaterThan(0);
  const lateBefore = stats.refusedLate;
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(port, doc(i), agent)));
  agent.destroy();
  const ok = answers.map((a, i) => (a.status === 200 ? traceIdOf(i) : undefined)).filter((x) => x !== undefined);
  const refused = answers.filter((a) => a.status === 429);
  expect(ok.length + refused.length).toBe(8);
  expect(ok.length).toBeGreaterThan(0);
  // 8 × 60 ms back to back would answer the last one after about 480 ms
  expect(refused.length).toBeGreaterThan(0);
  for (const a of refused) {
    expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(a.text).toMatch(/too late/);
  }
  expect(stats.refusedLate - lateBefore).toBe(refused.length);
  // what was refused never reached the sink; what was accepted did
  expect(sink.traceIds.sort()).toEqual([...warmOk, ...ok].sort());
});

it("a body that takes longer than the deadline to arrive (the sender's slow link) is still accepted", async () => {
  const sink = new BusySink(1);
  app = Fastify({ forceCloseConnections: true });
  registerOtlpRoutes(app, sink, { answerDeadlineMs: 200 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const body = Buffer.from(doc(7));
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.write(body.subarray(0, 20));
    setTimeout(() => req.end(body.subarray(20)), 400);
  });
  expect(status).toBe(200);
  expect(sink.traceIds).toEqual([traceIdOf(7)]);
});
