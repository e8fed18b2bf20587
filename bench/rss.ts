/*
 * Peak RSS of the server under 2× its sustainable ingest rate. The server runs in a child process
 * (startServer, loopback only); this process drives it over HTTP with pre-encoded Kong-shaped
 * protobuf batches, 100 % of traces matching (the most memory-hungry case):
 *   1. closed loop, a few requests in flight, bounded by time and count → the sustainable rate;
 *   2. open loop at twice that rate for a bounded time (in-flight capped) → peak RSS (VmHWM).
 * Both processes share the machine's 2 cores, so the sustainable rate here is below the in-process one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { kongPayloads, nowMs, status, type Result } from './util';

const SPANS_PER_REQUEST = 200;

interface Mem {
  rss: number;
  peak: number;
  heapUsed: number;
  stats: Record<string, number>;
}

function ask(child: ChildProcess, cmd: string): Promise<any> {
  return new Promise((resolve) => {
    const on = (m: any) => {
      if (m.cmd === cmd || (cmd === 'stop' && m.cmd === 'stopped')) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
    child.send({ cmd });
  });
}

async function post(url: string, body: Buffer): Promise<number> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: body as unknown as Uint8Array<ArrayBuffer> });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return -1;
  }
}

export async function benchRss(opts: { sustainSeconds: number; overloadSeconds: number; log: (s: string) => void }): Promise<Result[]> {
  const child = fork(path.join(__dirname, 'rss-server.ts'), [], { execArgv: ['--require', 'tsx/cjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await new Promise<any>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    });
    const url = `${ready.otlpUrl}/v1/traces`;

    // 1. sustainable rate: closed loop, 4 in flight
    const sustainPayloads = kongPayloads(Math.ceil(opts.sustainSeconds * 300), 1);
    let next = 0;
    let ok1 = 0;
    const t0 = nowMs();
    const deadline = t0 + opts.sustainSeconds * 1000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (nowMs() < deadline && next < sustainPayloads.length) {
          if ((await post(url, sustainPayloads[next++])) === 200) ok1++;
        }
      }),
    );
    const sustainRate = (ok1 * SPANS_PER_REQUEST * 1000) / (nowMs() - t0);
    opts.log(`  rss: sustainable rate over HTTP ≈ ${Math.round(sustainRate)} spans/s`);

    // 2. overload: open loop at 2×, bounded by time, count and in-flight requests
    const offered = 2 * sustainRate;
    const reqPerSec = offered / SPANS_PER_REQUEST;
    const count = Math.min(8000, Math.ceil(reqPerSec * opts.overloadSeconds));
    const payloads = kongPayloads(count, 1);
    const before = (await ask(child, 'mem')) as Mem;
    const codes = new Map<number, number>();
    let inFlight = 0;
    let maxInFlight = 0;
    let skipped = 0;
    let sent = 0;
    let sampledPeak = before.rss;
    const pending: Promise<void>[] = [];
    const t1 = nowMs();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(count, Math.floor(((nowMs() - t1) / 1000) * reqPerSec));
        while (sent < due) {
          const body = payloads[sent++];
          if (inFlight >= 512) {
            skipped++;
            continue;
          }
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          pending.push(
            post(url, body).then((c) => {
              inFlight--;
              codes.set(c, (codes.get(c) ?? 0) + 1);
            }),
          );
        }
        if (sent >= count || nowMs() - t1 > opts.overloadSeconds * 1000 + 5000) {
          clearInterval(tick);
          resolve();
        }
      }, 10);
      const sampler = setInterval(() => {
        void ask(child, 'mem').then((m: Mem) => (sampledPeak = Math.max(sampledPeak, m.rss)));
        if (sent >= count) clearInterval(sampler);
      }, 200);
    });
    await Promise.all(pending);
    const elapsed = (nowMs() - t1) / 1000;
    const after = (await ask(child, 'mem')) as Mem;
    const mb = (b: number) => b / 1024 / 1024;
    const accepted = codes.get(200) ?? 0;
    const codeText = [...codes.entries()].map(([c, n]) => `${c === -1 ? 'conn error' : c}: ${n}`).join(', ');
    return [
      { section: 'rss', metric: 'sustainable ingest over HTTP (closed loop, 4 in flight)', value: sustainRate, unit: 'spans/s', note: '100 % matching; load generator shares the 2 cores' },
      {
        section: 'rss',
        metric: 'offered 2× load',
        value: offered,
        unit: 'spans/s',
        note: `${sent} requests in ${elapsed.toFixed(1)} s; ${codeText}${skipped ? `; ${skipped} not sent (512 in flight)` : ''}; max ${maxInFlight} in flight; accepted ${Math.round((accepted * SPANS_PER_REQUEST) / elapsed)} spans/s`,
      },
      {
        section: 'rss',
        metric: 'server peak RSS under 2× load (VmHWM)',
        value: mb(after.peak),
        unit: 'MB',
        baseline: { name: 'RSS idle before the load', value: mb(before.rss), unit: 'MB' },
        ratio: after.peak / before.rss,
        target: '<512 MB',
        status: status(mb(after.peak) < 512),
        note: `sampled max ${mb(sampledPeak).toFixed(0)} MB; heap after ${mb(after.heapUsed).toFixed(0)} MB; pending spans ${after.stats.pendingSpans}`,
      },
    ];
  } finally {
    if (child.connected) await Promise.race([ask(child, 'stop'), new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill();
  }
}
