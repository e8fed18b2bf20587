import Fastify, { type FastifyInstance } from 'fastify';
import { BackpressureError, classifyConsumerError, PermanentError, StoreUnavailableError, type Consumer } from '../ingest/contract';
import { registerOtlpRoutes } from './receiver';
import { decodeStatusProtobuf } from './responses';
import { encodeLogsProtobuf } from './testing';

/* The consumer contract's errors, as the OTLP/HTTP receiver answers them. */

class FailingConsumer implements Consumer {
  constructor(public fail: Error) {}
  ingestTraces(): void {
    throw this.fail;
  }
  ingestLogs(): void {
    throw this.fail;
  }
}

const LOGS = '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1"}]}]}]}';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

async function answer(fail: Error, contentType: string) {
  app = Fastify();
  const stats = registerOtlpRoutes(app, new FailingConsumer(fail));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const r = await fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'POST', headers: { 'content-type': contentType }, body: contentType === 'application/json' ? LOGS : encodeLogsProtobuf(JSON.parse(LOGS)) });
  const res = { statusCode: r.status, headers: Object.fromEntries(r.headers), body: Buffer.from(await r.arrayBuffer()) };
  return { res, stats };
}

test('classification: busy and unavailable are retryable, permanent is not, anything else is internal', () => {
  expect(classifyConsumerError(new BackpressureError(3))).toEqual({ kind: 'busy', retryAfterSeconds: 3 });
  expect(classifyConsumerError(new StoreUnavailableError('down', 9))).toEqual({ kind: 'unavailable', retryAfterSeconds: 9 });
  expect(classifyConsumerError(new PermanentError('never'))).toEqual({ kind: 'permanent' });
  expect(classifyConsumerError(new Error('bug'))).toEqual({ kind: 'internal' });
  expect(new BackpressureError(1).retryable).toBe(true);
  expect(new PermanentError('x').retryable).toBe(false);
});

test('a permanent error is 400 INVALID_ARGUMENT without Retry-After, counted as neither refusal', async () => {
  const { res, stats } = await answer(new PermanentError('this batch can never be stored'), 'application/json');
  expect(res.statusCode).toBe(400);
  expect(res.headers['retry-after']).toBeUndefined();
  expect(JSON.parse(res.body.toString())).toEqual({ code: 3, message: 'this batch can never be stored' });
  expect(stats).toMatchObject({ refusedBusy: 0, refusedUnavailable: 0 });
});

test('busy → 429, unavailable → 503, each with Retry-After and a Status in the request encoding', async () => {
  const busy = await answer(new BackpressureError(4), 'application/x-protobuf');
  expect(busy.res.statusCode).toBe(429);
  expect(busy.res.headers['retry-after']).toBe('4');
  const status = decodeStatusProtobuf(busy.res.body);
  expect(status.code).toBe(8);
  // the retry delay is named once
  expect(status.message).toBe('ingest is over capacity, retry after 4s');
  expect(busy.stats.refusedBusy).toBe(1);
  await app.close();
  const down = await answer(new StoreUnavailableError('reconnecting', 2), 'application/x-protobuf');
  expect(down.res.statusCode).toBe(503);
  expect(down.res.headers['retry-after']).toBe('2');
  expect(decodeStatusProtobuf(down.res.body).code).toBe(14);
  expect(down.stats.refusedUnavailable).toBe(1);
});
