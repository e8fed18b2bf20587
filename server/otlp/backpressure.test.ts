import http from 'node:http';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { installAuth } from '../auth/hooks';
import { registerOtlpRoutes, StoreUnavailableError, type OtlpReceiverStats, type OtlpRouteOptions, type OtlpSink } from './receiver';
import { decodeStatusProtobuf, encodeStatus } from './responses';
import { encodeTracesProtobuf } from './testing';
import type { DecodedLogBatch, DecodedTraceBatch } from './types';

/*
 * Request-level backpressure against a real fastify app. The sink is ours to control: its
 * ingest waits until the test opens it, so requests pile up in flight exactly as they do in
 * front of a slow store.
 */

class GatedSink implements OtlpSink {
  traces: DecodedTraceBatch[] = [];
  logs: DecodedLogBatch[] = [];
  /** ingest calls started (waiting or done) */
  entered = 0;
  fail: Error | undefined;
  private opened = false;
  private waiters: (() => void)[] = [];
  private enteredWaiters: { n: number; resolve: () => void }[] = [];

  open(): void {
    this.opened = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** resolves once `n` ingest calls have started */
  untilEntered(n: number): Promise<void> {
    if (this.entered >= n) return Promise.resolve();
    return new Promise((resolve) => this.enteredWaiters.push({ n, resolve }));
  }

  private async pass(): Promise<void> {
    this.entered++;
    for (const w of this.enteredWaiters.filter((x) => this.entered >= x.n)) {
      this.enteredWaiters.splice(this.enteredWaiters.indexOf(w), 1);
      w.resolve();
    }
    if (!this.opened) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.fail) throw this.fail;
  }

  async ingestTraces(batch: DecodedTraceBatch): Promise<void> {
    await this.pass();
    this.traces.push(batch);
  }

  async ingestLogs(batch: DecodedLogBatch): Promise<void> {
    await this.pass();
    this.logs.push(batch);
  }

  traceIds(): string[] {
    return this.traces.flatMap((b) => b.spans.map((s) => s.traceId));
  }
}

const traceIdOf = (i: number) => (i + 1).toString(16).padStart(32, '0');

/** an OTLP/JSON trace export: one span of trace `i`, padded with an attribute of `pad` bytes */
function traceDoc(i: number, pad = 10) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'kong' } }] },
        scopeSpans: [
          {
            scope: { name: 'kong-internal', version: '0.1.0' },
            spans: [
              {
                traceId: traceIdOf(i), spanId: '00000000000000aa', name: 'kong', kind: 2,
                startTimeUnixNano: '1751364930123000000', endTimeUnixNano: '1751364930173713402',
                attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(pad) } }],
              },
            ],
          },
        ],
      },
    ],
  };
}

const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface Server {
  app: FastifyInstance;
  stats: Readonly<OtlpReceiverStats>;
  port: number;
  /** responses closed on the server side (sent or abandoned), in order */
  closed: number;
}

let server: Server;
let sink: GatedSink;

async function start(opts: OtlpRouteOptions, setup?: (app: FastifyInstance) => void): Promise<Server> {
  // a failing test may leave sockets open: close must not wait for them
  const app = Fastify({ forceCloseConnections: true });
  const s = { app, stats: undefined as unknown as OtlpReceiverStats, port: 0, closed: 0 };
  // registered before the receiver's own listener, so a test that sees it knows the receiver saw it too
  app.addHook('onRequest', async (_req, reply) => {
    reply.raw.once('close', () => s.closed++);
  });
  setup?.(app);
  // these tests send from one address: no per-client share unless a test asks for one
  s.stats = registerOtlpRoutes(app, sink, { maxInFlightRequestsPerClient: opts.maxInFlightRequests, maxInFlightBytesPerClient: opts.maxInFlightBytes, ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  s.port = (app.server.address() as { port: number }).port;
  return s;
}

afterEach(async () => {
  sink?.open();
  await server?.app.close();
});

/** a POST through node:http, so tests can hold, chunk or cut the body; `body` undefined = headers only, for now */
function send(path: string, headers: Record<string, string | number>, body?: Buffer | string): { req: http.ClientRequest; answer: Promise<Answer> } {
  const req = http.request({ host: '127.0.0.1', port: server.port, path, method: 'POST', headers, agent: false });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  if (body === undefined) req.flushHeaders();
  else req.end(body);
  return { req, answer };
}

const post = (path: string, headers: Record<string, string>, body: Buffer | string) =>
  send(path, { ...headers, 'content-length': Buffer.byteLength(body) }, body).answer;

/** polls a condition of the server's state (no timing is asserted, only the state reached) */
async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const drained = () => until('the gate to drain', () => server.stats.inFlightRequests === 0 && server.stats.inFlightBytes === 0);

function expectBusy(a: Answer, encoding: 'protobuf' | 'json'): void {
  expect(a.status).toBe(429);
  const retry = Number(a.headers['retry-after']);
  expect(Number.isInteger(retry) && retry >= 1 && retry <= 30).toBe(true);
  expect(a.headers['content-type']).toMatch(encoding === 'protobuf' ? /^application\/x-protobuf$/ : /^application\/json/);
  const status = encoding === 'protobuf' ? decodeStatusProtobuf(a.body) : JSON.parse(a.body.toString());
  expect(status.code).toBe(8); // RESOURCE_EXHAUSTED
  expect(status.message).toMatch(new RegExp(`^receiver is busy: .*retry after ${retry}s$`));
}

describe('request limit', () => {
  beforeEach(async () => {
    sink = new GatedSink();
    server = await start({ maxInFlightRequests: 3 });
  });

  test('N requests are taken and acknowledged after ingest; the N+1th gets 429 at once; nothing acknowledged is missing', async () => {
    let acknowledged = 0;
    const accepted = [0, 1, 2].map((i) =>
      post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(i))).then((a) => {
        acknowledged++;
        return a;
      }),
    );
    await sink.untilEntered(3);
    expect(server.stats.inFlightRequests).toBe(3);

    expectBusy(await post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(3))), 'protobuf');
    expectBusy(await post('/v1/logs', JSON_CT, '{"resourceLogs":[]}'), 'json');
    expect(server.stats.refusedBusy).toBe(2);
    // refused answers came back while the three still wait on the sink: none acknowledged yet
    expect(acknowledged).toBe(0);
    expect(sink.traces).toHaveLength(0);

    sink.open();
    const answers = await Promise.all(accepted);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(sink.traceIds().sort()).toEqual([0, 1, 2].map(traceIdOf));
    expect(sink.traceIds()).not.toContain(traceIdOf(3));
    await drained();

    // recovered: the gate takes requests again
    expect((await post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(4)))).status).toBe(200);
    expect(sink.traceIds()).toContain(traceIdOf(4));
    await drained();
    expect(server.stats.refusedBusy).toBe(2);
  });

  test('a declared size over the body limit is 413, not 429, even with the gate full', async () => {
    await server.app.close();
    server = await start({ maxInFlightRequests: 1, maxBodyBytes: 1000 });
    const held = post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(0)));
    await sink.untilEntered(1);
    const { req, answer } = send('/v1/traces', { ...PB, 'content-length': 5000 });
    const a = await answer;
    req.destroy();
    expect(a.status).toBe(413);
    expect(decodeStatusProtobuf(a.body).message).toBe('body exceeds the limit of 1000 bytes');
    sink.open();
    expect((await held).status).toBe(200);
    await drained();
  });
});

describe('byte limit', () => {
  const one = encodeTracesProtobuf(traceDoc(0, 1000));
  const small = encodeTracesProtobuf(traceDoc(2, 1));
  const room = small.length; // left after two big ones
  beforeEach(async () => {
    sink = new GatedSink();
    // two big bodies and a small one fit, a third big one does not
    server = await start({ maxInFlightRequests: 100, maxInFlightBytes: 2 * one.length + room });
  });

  test('a request past the byte limit is refused from its Content-Length, before its body is sent', async () => {
    const held = [0, 1].map((i) => post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(i, 1000))));
    await sink.untilEntered(2);
    expect(server.stats.inFlightBytes).toBe(2 * one.length);
    // headers only: the answer cannot wait for a body that never comes
    const { req, answer } = send('/v1/traces', { ...PB, 'content-length': one.length });
    expectBusy(await answer, 'protobuf');
    req.destroy();
    // a small one still fits
    const smallAnswer = post('/v1/traces', PB, small);
    await sink.untilEntered(3);
    expect(server.stats.inFlightBytes).toBe(2 * one.length + small.length);
    sink.open();
    expect((await Promise.all([...held, smallAnswer])).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(sink.traceIds().sort()).toEqual([0, 1, 2].map(traceIdOf));
    await drained();
    expect(server.stats.peakInFlightBytes).toBe(2 * one.length + small.length);
  });

  test('a chunked body is counted as it arrives and refused once over the limit', async () => {
    const held = [0, 1].map((i) => post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(i, 1000))));
    await sink.untilEntered(2);
    const { req, answer } = send('/v1/traces', { ...JSON_CT, 'transfer-encoding': 'chunked' });
    req.write(Buffer.alloc(room - 10, 0x20)); // fits
    await until('the first chunk to be counted', () => server.stats.inFlightBytes === 2 * one.length + room - 10);
    req.write(Buffer.alloc(20, 0x20)); // does not
    expectBusy(await answer, 'json');
    req.destroy();
    sink.open();
    expect((await Promise.all(held)).map((a) => a.status)).toEqual([200, 200]);
    await drained();
    expect(server.stats.refusedBusy).toBe(1);
  });

  test('a chunked body within the limit is taken', async () => {
    sink.open();
    const { req, answer } = send('/v1/traces', { ...JSON_CT, 'transfer-encoding': 'chunked' });
    const body = JSON.stringify(traceDoc(7));
    req.write(body.slice(0, 20));
    req.end(body.slice(20));
    expect((await answer).status).toBe(200);
    expect(sink.traceIds()).toEqual([traceIdOf(7)]);
    await drained();
  });

  test('the decompressed size counts: a gzip body that inflates past the limit is refused', async () => {
    const held = post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(0, 1000)));
    await sink.untilEntered(1);
    // small on the wire, over the remaining room once inflated
    const bomb = gzipSync(encodeTracesProtobuf(traceDoc(1, 3 * one.length)));
    expect(bomb.length).toBeLessThan(one.length);
    expectBusy(await post('/v1/traces', { ...PB, 'content-encoding': 'gzip' }, bomb), 'protobuf');
    sink.open();
    expect((await held).status).toBe(200);
    await drained();
    // alone it passes: a body bigger than the whole budget is still taken, one at a time
    expect((await post('/v1/traces', { ...PB, 'content-encoding': 'gzip' }, bomb)).status).toBe(200);
    expect(sink.traceIds()).toEqual([traceIdOf(0), traceIdOf(1)]);
    await drained();
    expect(server.stats.peakInFlightBytes).toBeGreaterThan(3 * one.length);
  });
});

describe('store unavailable', () => {
  beforeEach(async () => {
    sink = new GatedSink();
    sink.open();
    server = await start({});
  });

  test('503 with Retry-After and an UNAVAILABLE Status; nothing stored, nothing leaked', async () => {
    sink.fail = new StoreUnavailableError('connection to PostgreSQL lost');
    const p = await post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(0)));
    expect(p.status).toBe(503);
    expect(p.headers['retry-after']).toBe('5');
    expect(decodeStatusProtobuf(p.body)).toEqual({ code: 14, message: 'store unavailable: connection to PostgreSQL lost, retry after 5s' });

    sink.fail = new StoreUnavailableError('reconnecting', 12.2);
    const j = await post('/v1/logs', JSON_CT, '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1"}]}]}]}');
    expect(j.status).toBe(503);
    expect(j.headers['retry-after']).toBe('13');
    expect(JSON.parse(j.body.toString())).toEqual({ code: 14, message: 'store unavailable: reconnecting, retry after 13s' });

    expect(server.stats).toMatchObject({ refusedUnavailable: 2, refusedBusy: 0 });
    expect(sink.traces).toHaveLength(0);
    await drained();

    sink.fail = undefined;
    expect((await post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(1)))).status).toBe(200);
    expect(sink.traceIds()).toEqual([traceIdOf(1)]);
  });
});

describe('no leaked counts on error paths', () => {
  beforeEach(async () => {
    sink = new GatedSink();
    sink.open();
  });

  test('undecodable bodies, bad encodings, oversize bodies', async () => {
    server = await start({ maxBodyBytes: 4096 });
    expect((await post('/v1/traces', PB, Buffer.from([0x08, 0x01]))).status).toBe(400);
    expect((await post('/v1/logs', JSON_CT, '{"resourceLogs": [')).status).toBe(400);
    expect((await post('/v1/traces', { 'content-type': 'text/plain' }, 'hi')).status).toBe(415);
    expect((await post('/v1/traces', { ...PB, 'content-encoding': 'br' }, 'x')).status).toBe(415);
    expect((await post('/v1/traces', { ...PB, 'content-encoding': 'gzip' }, 'not gzip')).status).toBe(400);
    expect((await post('/v1/traces', { ...PB, 'content-encoding': 'gzip' }, gzipSync(Buffer.alloc(100_000)))).status).toBe(413);
    // chunked, over the body limit while read
    const { req, answer } = send('/v1/traces', { ...PB, 'transfer-encoding': 'chunked' });
    req.end(Buffer.alloc(5000, 0x0a));
    expect((await answer).status).toBe(413);
    await drained();
    expect(sink.entered).toBe(0);
  });

  test('refused by auth before admission: 401, even when the gate is full, and no slot taken', async () => {
    sink = new GatedSink();
    server = await start({ maxInFlightRequests: 1 }, (app) =>
      installAuth(app, { mode: 'tokens', staticIngestToken: 'ingest-secret' }, {
        require: 'ingest',
        onFailure: (reply, status, message) => void reply.code(status).type('application/x-protobuf').send(encodeStatus('protobuf', 16, message)),
      }),
    );
    const good = { ...PB, authorization: 'Bearer ingest-secret' };
    const held = post('/v1/traces', good, encodeTracesProtobuf(traceDoc(0)));
    await sink.untilEntered(1);
    const bad = await post('/v1/traces', { ...PB, authorization: 'Bearer wrong' }, encodeTracesProtobuf(traceDoc(1)));
    expect(bad.status).toBe(401);
    expectBusy(await post('/v1/traces', good, encodeTracesProtobuf(traceDoc(2))), 'protobuf');
    expect(server.stats.inFlightRequests).toBe(1);
    sink.open();
    expect((await held).status).toBe(200);
    await drained();
    expect(sink.traceIds()).toEqual([traceIdOf(0)]);
  });

  test('refused by a hook after admission (body read, handler never runs)', async () => {
    server = await start({ maxInFlightRequests: 1 }, (app) =>
      app.addHook('preHandler', async (req, reply) => {
        if (req.headers['x-deny']) return reply.code(403).send('denied');
      }),
    );
    for (let i = 0; i < 3; i++) expect((await post('/v1/traces', { ...PB, 'x-deny': '1' }, encodeTracesProtobuf(traceDoc(i)))).status).toBe(403);
    await drained();
    expect((await post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(9)))).status).toBe(200);
    await drained();
  });

  test('client gone mid-body: declared bytes counted, then freed', async () => {
    server = await start({ maxInFlightRequests: 1 });
    for (const headers of [{ ...PB, 'content-length': 100_000 }, { ...PB, 'transfer-encoding': 'chunked' }]) {
      const closedBefore = server.closed;
      const { req, answer } = send('/v1/traces', headers);
      answer.catch(() => {}); // the socket is cut on purpose
      req.write(Buffer.alloc(1000, 0x0a));
      await until('the request to be admitted', () => server.stats.inFlightRequests === 1);
      req.destroy();
      await until('the server to see the abort', () => server.closed > closedBefore);
      await drained();
    }
    expect(sink.entered).toBe(0);
    expect((await post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(0)))).status).toBe(200);
  });

  test('client gone while ingest runs: the slot stays taken until ingest ends; the batch is still ingested', async () => {
    sink = new GatedSink();
    server = await start({ maxInFlightRequests: 1 });
    const { req, answer } = send('/v1/traces', PB, encodeTracesProtobuf(traceDoc(0)));
    answer.catch(() => {});
    await sink.untilEntered(1);
    req.destroy();
    await until('the server to see the abort', () => server.closed === 1);
    // its batch is still in memory, in the sink: it still counts
    expect(server.stats.inFlightRequests).toBe(1);
    expectBusy(await post('/v1/traces', PB, encodeTracesProtobuf(traceDoc(1))), 'protobuf');
    sink.open();
    await drained();
    expect(sink.traceIds()).toEqual([traceIdOf(0)]);
  });
});
