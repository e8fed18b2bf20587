import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { encodeTracesProtobuf } from './testing';
import { kongRequest, tracesPayload } from '../testing/otlp-builders';

/*
 * Test helper: the real server (the CLI's `serve`, SQLite, loopback ports) in a child process, and
 * many concurrent OTLP exporters against it, each POST timed from its first byte to the end of its
 * answer. The server gets its own process so the load generator's work does not sit in its event loop.
 */

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'kong-debugger.js');

export interface Served {
  child: ChildProcess;
  api: string;
  otlp: string;
}

export async function serve(dataDir: string, extraArgs: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--auth', 'none', '--port', '0', '--otlp-port', '0', '--data-dir', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!/OTLP\/HTTP/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, api: /REST API\s+(http:\/\/[\d.:]+)/.exec(out)![1], otlp: /OTLP\/HTTP\s+(http:\/\/[\d.:]+)/.exec(out)![1] };
}

export async function stop(s: Served): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGKILL');
  await exited;
}

/**
 * A maker of Kong-like batches: `traces` whole traces (3 spans each) per batch. Encoding thousands
 * of batches would cost the load generator seconds, so one template is encoded and each batch is a
 * copy with fresh trace ids written where the template's are.
 */
export function batchMaker(traces: number): () => { body: Buffer; traceIds: string[] } {
  const built = Array.from({ length: traces }, () => kongRequest());
  const template = encodeTracesProtobuf(tracesPayload(built.flatMap((t) => t.spans)));
  const offsets = built.map((t) => {
    const id = Buffer.from(t.traceId, 'hex');
    const at: number[] = [];
    for (let i = template.indexOf(id); i >= 0; i = template.indexOf(id, i + 1)) at.push(i);
    return at;
  });
  return () => {
    const body = Buffer.from(template);
    const traceIds = offsets.map((at) => {
      const id = randomBytes(16);
      for (const i of at) id.copy(body, i);
      return id.toString('hex');
    });
    return { body, traceIds };
  };
}

export interface Answer {
  /** 0: no answer (connection error or our timeout) */
  status: number;
  ms: number;
  /** time to connect, when it opened a new connection */
  connectMs?: number;
  /** when it got its connection, ms since the load started */
  at?: number;
  retryAfter?: string;
  error?: string;
}

/** the answer time runs from when the request has a connection (not while it queues in the agent: that is the client's own wait) */
export function post(agent: http.Agent, url: string, body: Buffer, timeoutMs: number): Promise<Answer> {
  let t0 = performance.now();
  let connectMs: number | undefined;
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, retryAfter: res.headers['retry-after'], connectMs }));
      res.on('error', (e) => resolve({ status: 0, ms: performance.now() - t0, error: e.message }));
    });
    req.once('socket', (sock) => {
      t0 = performance.now();
      if (sock.connecting) sock.once('connect', () => { connectMs = performance.now() - t0; });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - t0, error: e.message }));
    req.end(body);
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** closed loop, `inFlight` at a time, for `ms`: the batches per second the server sustains, and the trace ids it acknowledged */
export async function sustainableRate(url: string, batches: Array<{ body: Buffer; traceIds: string[] }>, inFlight: number, ms: number): Promise<{ rate: number; acknowledged: string[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  let next = 0;
  const acknowledged: string[] = [];
  let ok = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() - t0 < ms && next < batches.length) {
        const b = batches[next++];
        if ((await post(agent, url, b.body, 30_000)).status === 200) {
          ok++;
          acknowledged.push(...b.traceIds);
        }
      }
    }),
  );
  agent.destroy();
  return { rate: (ok * 1000) / (performance.now() - t0), acknowledged };
}

export interface OverloadResult {
  answers: Answer[];
  /** trace ids of the batches answered 200 */
  acknowledged: string[];
  offeredPerSecond: number;
  seconds: number;
  /** requests sent */
  sent: number;
}

/**
 * Open loop: `exporters` keep-alive connections, a new batch every 1/rate s for `ms` (each POST once:
 * the answer time is what is measured, not delivery), at most `exporters` open at once.
 */
export async function overload(url: string, batches: Array<{ body: Buffer; traceIds: string[] }>, opts: { rate: number; exporters: number; ms: number; timeoutMs: number }): Promise<OverloadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.exporters });
  const answers: Answer[] = [];
  const acknowledged: string[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(batches.length, Math.floor(((performance.now() - t0) / 1000) * opts.rate));
      while (sent < due) {
        const b = batches[sent++];
        pending.push(
          post(agent, url, b.body, opts.timeoutMs).then((a) => {
            a.at = performance.now() - a.ms - t0;
            answers.push(a);
            if (a.status === 200) acknowledged.push(...b.traceIds);
          }),
        );
      }
      if (sent >= batches.length || performance.now() - t0 >= opts.ms) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(pending);
  agent.destroy();
  return { answers, acknowledged, offeredPerSecond: sent / seconds, seconds, sent };
}

/** answer-time figures of all answers, or of those with `status` */
export function summarize(r: OverloadResult, status?: number): { n: number; p50: number; p99: number; max: number; mean: number; refusedPct: number; withinOneSecond: number; codes: Record<string, number> } {
  if (status !== undefined) r = { ...r, answers: r.answers.filter((a) => a.status === status) };
  const ms = r.answers.map((a) => a.ms).sort((a, b) => a - b);
  const codes: Record<string, number> = {};
  for (const a of r.answers) codes[a.status] = (codes[a.status] ?? 0) + 1;
  const refused = r.answers.filter((a) => a.status === 429 || a.status === 503).length;
  return {
    n: ms.length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms.length ? ms[ms.length - 1] : NaN,
    mean: ms.reduce((s, x) => s + x, 0) / ms.length,
    refusedPct: (100 * refused) / Math.max(1, ms.length),
    withinOneSecond: ms.filter((x) => x <= 1000).length / Math.max(1, ms.length),
    codes,
  };
}
