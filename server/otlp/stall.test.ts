import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { otlpServerOptions, registerOtlpRoutes, type OtlpReceiverStats, type OtlpRouteOptions, type OtlpSink } from './receiver';
import { decodeStatusProtobuf } from './responses';
import { encodeTracesProtobuf } from './testing';
import type { DecodedLogBatch, DecodedTraceBatch } from './types';
import { BodyWatch } from './stall';

/*
 * Issue 16, item 3: stalled uploads must not starve ingest. Real sockets on 127.0.0.1 that stop
 * sending; other loopback addresses (127.0.0.2, .3) stand for other clients. Every wait is bounded.
 */

class Sink implements OtlpSink {
  traces: DecodedTraceBatch[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  entered = 0;
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }
  open(): void {
    this.openGate?.();
    this.gate = undefined;
  }
  async ingestTraces(batch: DecodedTraceBatch): Promise<void> {
    this.entered++;
    await this.gate;
    this.traces.push(batch);
  }
  ingestLogs(_batch: DecodedLogBatch): void {}
  traceIds(): string[] {
    return this.traces.flatMap((b) => b.spans.map((s) => s.traceId));
  }
}

const traceIdOf = (i: number) => (i + 1).toString(16).padStart(32, '0');
const doc = (i: number) => ({
  resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: traceIdOf(i), spanId: '00000000000000aa', name: 'kong', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }],
});
const PB = 'application/x-protobuf';

let app: FastifyInstance;
let stats: Readonly<OtlpReceiverStats>;
let port: number;
let sink: Sink;
const sockets: net.Socket[] = [];

async function start(opts: OtlpRouteOptions, serverOpts: object = {}): Promise<void> {
  sink = new Sink();
  app = Fastify({ forceCloseConnections: true, ...serverOpts });
  stats = registerOtlpRoutes(app, sink, opts);
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as net.AddressInfo).port;
}

afterEach(async () => {
  sink?.open();
  for (const s of sockets.splice(0)) s.destroy();
  await app?.close();
});

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** a raw connection from `from` that sends headers and the first `sent` bytes of a `length`-byte body, then what the test writes */
interface RawUpload {
  socket: net.Socket;
  /** everything the server sent, once it closed the connection */
  closed: Promise<string>;
}

function upload(from: string, body: Buffer, sent: number, contentType = 'application/json'): RawUpload {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
  sockets.push(socket);
  let got = '';
  socket.on('data', (d) => (got += d.toString('latin1')));
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(got)));
  socket.on('error', () => {});
  socket.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
  if (sent > 0) socket.write(body.subarray(0, sent));
  return { socket, closed };
}

function post(from: string, body: Buffer): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', localAddress: from, agent: false, headers: { 'content-type': PB, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const STALL = { stallMs: 100, idleMs: 400, totalMs: 3000 };

describe('stalled uploads', () => {
  test('a stalled body stops counting, so other requests are taken; it is cut with 408 and its socket closed', async () => {
    await start({ maxInFlightRequests: 2, maxInFlightRequestsPerClient: 2, stall: STALL });
    const body = Buffer.from(JSON.stringify(doc(0)));
    const stalled = [upload('127.0.0.2', body, 10), upload('127.0.0.2', body, 10)];
    await until('both to be admitted', () => stats.inFlightRequests === 2 || stats.suspended > 0);
    await until('both to be suspended', () => stats.suspended === 2);
    expect(stats.inFlightRequests).toBe(0);
    // the slots they held are free: another client's request is stored and acknowledged
    const ok = await post('127.0.0.3', encodeTracesProtobuf(doc(1)));
    expect(ok.status).toBe(200);
    expect(sink.traceIds()).toEqual([traceIdOf(1)]);
    // past idleMs without a byte: 408 with a Status naming the reason, then the server closes the connection
    for (const s of stalled) {
      const answer = await s.closed;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer.toLowerCase()).toContain('connection: close');
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ code: 4, message: 'request timeout: no body bytes for 400 ms' });
    }
    await until('the gate to drain', () => stats.inFlightRequests === 0 && stats.suspended === 0 && stats.inFlightBytes === 0);
    expect(stats.timedOut).toBe(2);
  });

  test('a stalled body that moves again is counted again and taken', async () => {
    await start({ maxInFlightRequests: 2, maxInFlightRequestsPerClient: 2, stall: STALL });
    const body = encodeTracesProtobuf(doc(5));
    const u = upload('127.0.0.2', body, 5, PB);
    await until('it to be suspended', () => stats.suspended === 1);
    expect(stats.inFlightRequests).toBe(0);
    u.socket.end(body.subarray(5));
    const answer = await u.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(sink.traceIds()).toEqual([traceIdOf(5)]);
    await until('the gate to drain', () => stats.inFlightRequests === 0 && stats.suspended === 0);
    expect(stats.timedOut).toBe(0);
  });

  test('a stalled body that moves again while the gate is full is refused with 429', async () => {
    await start({ maxInFlightRequests: 1, maxInFlightRequestsPerClient: 1, stall: { ...STALL, idleMs: 5000 } });
    const body = encodeTracesProtobuf(doc(6));
    const u = upload('127.0.0.2', body, 5, PB);
    await until('it to be suspended', () => stats.suspended === 1);
    sink.hold();
    const other = post('127.0.0.3', encodeTracesProtobuf(doc(7)));
    await until('the other request to be ingesting', () => sink.entered === 1);
    u.socket.write(body.subarray(5));
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      u.socket.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n')) resolve(got);
      });
    });
    expect(answer).toMatch(/^HTTP\/1\.1 429 /);
    expect(answer.toLowerCase()).toMatch(/retry-after: \d+/);
    sink.open();
    expect((await other).status).toBe(200);
    expect(sink.traceIds()).toEqual([traceIdOf(7)]);
  });

  test('a body that trickles in is cut at the whole-body time limit', async () => {
    await start({ stall: { stallMs: 1000, idleMs: 1000, totalMs: 500 } });
    const body = Buffer.from(JSON.stringify(doc(0)));
    const u = upload('127.0.0.2', body, 1);
    let at = 1;
    const trickle = setInterval(() => at < body.length - 1 && u.socket.write(body.subarray(at, ++at)), 50);
    try {
      const answer = await u.closed;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('request timeout: the body was not complete after 500 ms');
    } finally {
      clearInterval(trickle);
    }
    expect(sink.entered).toBe(0);
  });

  test('headers that never end are cut by the server (otlpServerOptions: headersTimeout, checked every second)', async () => {
    // Node's connection checker does not run inside jest's environment: the server gets its own process
    const script = `
      const Fastify = require(${JSON.stringify(require.resolve('fastify'))});
      const { otlpServerOptions, registerOtlpRoutes } = require(${JSON.stringify(require.resolve('./receiver'))});
      const app = Fastify(otlpServerOptions({ headersTimeoutMs: 300, requestTimeoutMs: 1000 }));
      registerOtlpRoutes(app, { ingestTraces() {}, ingestLogs() {} });
      app.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('port ' + app.server.address().port));
    `;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-headers-')), 'server.js');
    fs.writeFileSync(file, script);
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const childPort = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          const m = /port (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      const socket = net.connect({ host: '127.0.0.1', port: childPort });
      sockets.push(socket);
      socket.on('error', () => {});
      let got = '';
      socket.on('data', (d) => (got += d));
      socket.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\n');
      const t0 = Date.now();
      const closed = await Promise.race([new Promise((r) => socket.once('close', () => r(true))), new Promise((r) => setTimeout(() => r(false), 8000))]);
      expect(closed).toBe(true);
      expect(Date.now() - t0).toBeLessThan(8000);
      expect(got).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  }, 30_000);
});

describe('per-client share', () => {
  test('one client (remote address) takes at most its share of the slots; another client still gets in', async () => {
    await start({ maxInFlightRequests: 4, stall: STALL }); // share: 2
    sink.hold();
    const a = [0, 1].map((i) => post('127.0.0.2', encodeTracesProtobuf(doc(i))));
    await until('client A to hold two slots', () => sink.entered === 2);
    const third = await post('127.0.0.2', encodeTracesProtobuf(doc(2)));
    expect(third.status).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(decodeStatusProtobuf(third.body).message).toMatch(/^receiver is busy: this client \(127\.0\.0\.2\) has 2 requests with \d+ body bytes in flight, its share is 2 requests and \d+ bytes, retry after \d+s$/);
    const b = [3, 4].map((i) => post('127.0.0.3', encodeTracesProtobuf(doc(i))));
    await until('client B to hold two slots', () => sink.entered === 4);
    expect(stats.refusedClientShare).toBe(1);
    sink.open();
    expect((await Promise.all([...a, ...b])).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(sink.traceIds().sort()).toEqual([0, 1, 3, 4].map(traceIdOf));
  });
});

describe('BodyWatch', () => {
  test('stall, resume, idle and total bounds on a fake clock', async () => {
    let t = 0;
    const events: string[] = [];
    const w = new BodyWatch({ stallMs: 10, idleMs: 30, totalMs: 1000 }, { stall: () => void events.push('stall'), resume: () => (events.push('resume'), true), timeout: (why) => void events.push(why) }, () => t);
    const tick = async (to: number) => {
      t = to;
      await new Promise((r) => setTimeout(r, 15)); // let the real timer and its setImmediate run
      await new Promise((r) => setImmediate(r));
    };
    await tick(5);
    expect(events).toEqual([]);
    await tick(12);
    expect(events).toEqual(['stall']);
    expect(w.progress()).toBe(true);
    expect(events).toEqual(['stall', 'resume']);
    await tick(50);
    await tick(50);
    expect(events[events.length - 1]).toBe('no body bytes for 30 ms');
    expect(w.progress()).toBe(true); // stopped: nothing more happens
    await tick(2000);
    expect(events.filter((e) => e.startsWith('no body') || e.startsWith('the body'))).toHaveLength(1);
    w.stop();
  });
});
