/*
 * Peak RSS of the server under 2× its sustainable ingest rate. The server runs in a child process
 * (startServer, loopback only); this process drives it over HTTP with pre-encoded Kong-shaped
 * protobuf batches, 100 % of traces matching (the most memory-hungry case):
 *   1. closed loop, a few requests in flight, bounded by time and count → the sustainable rate;
 *   2. open loop at twice that rate for a bounded time (in-flight capped) → peak RSS (VmHWM).
 *      Each batch is delivered like an OTLP exporter does: a 429/503 is retried after its
 *      Retry-After (other failures with Kong's backoff, 10 ms doubling), until 200 or until Kong's
 *      max_retry_time (60 s) has passed, when Kong would drop it. Kong itself ignores Retry-After
 *      and only backs off; the OTel SDK exporters honour it.
 * Both processes share the machine's 2 cores, so the sustainable rate here is below the in-process one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { kongPayloads, nowMs, status, type Result } from './util';

const SPANS_PER_REQUEST = 200;
/** Kong's queue defaults (kong/tools/queue_schema.lua): give up after 60 s, first retry after 10 ms */
const MAX_RETRY_MS = 60_000;
const INITIAL_RETRY_DELAY_MS = 10;
/** open requests the load generator allows itself; far above the receiver's admission limit (64) */
const MAX_OPEN_REQUESTS = 2048;

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

interface Answer {
  status: number; // -1: connection error
  retryAfterSeconds?: number;
}

async function post(url: string, body: Buffer): Promise<Answer> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: body as unknown as Uint8Array<ArrayBuffer> });
    await res.arrayBuffer();
    const ra = Number(res.headers.get('retry-after'));
    return { status: res.status, retryAfterSeconds: res.headers.has('retry-after') && Number.isFinite(ra) ? ra : undefined };
  } catch {
    return { status: -1 };
  }
}

interface Tally {
  /** every answer, retries included */
  codes: Map<number, number>;
  retries: number;
  acknowledged: number;
  /** given up after MAX_RETRY_MS, as Kong would */
  lost: number;
  /** honoured Retry-After values, for the note */
  retryAfter: Map<number, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);

/** one batch until 200 (true) or until it is older than MAX_RETRY_MS (false); `send` is one POST */
async function deliver(send: () => Promise<Answer>, tally: Tally): Promise<boolean> {
  const first = nowMs();
  let backoff = INITIAL_RETRY_DELAY_MS;
  for (;;) {
    const a = await send();
    count(tally.codes, a.status);
    if (a.status === 200) {
      tally.acknowledged++;
      return true;
    }
    let wait = backoff;
    if ((a.status === 429 || a.status === 503) && a.retryAfterSeconds !== undefined) {
      wait = a.retryAfterSeconds * 1000;
      count(tally.retryAfter, a.retryAfterSeconds);
    } else backoff = Math.min(2 * backoff, MAX_RETRY_MS);
    if (nowMs() + wait - first > MAX_RETRY_MS) {
      tally.lost++;
      return false;
    }
    await sleep(wait);
    tally.retries++;
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
          if ((await post(url, sustainPayloads[next++])).status === 200) ok1++;
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
    const tally: Tally = { codes: new Map(), retries: 0, acknowledged: 0, lost: 0, retryAfter: new Map() };
    let inFlight = 0;
    let maxInFlight = 0;
    let skipped = 0;
    let sent = 0;
    let sampledPeak = before.rss;
    const pending: Promise<void>[] = [];
    let settled = false;
    const t1 = nowMs();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(count, Math.floor(((nowMs() - t1) / 1000) * reqPerSec));
        while (sent < due) {
          const body = payloads[sent++];
          if (inFlight >= MAX_OPEN_REQUESTS) {
            skipped++;
            continue;
          }
          // the cap counts open requests only: a batch waiting to retry holds no connection
          const send = async () => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            try {
              return await post(url, body);
            } finally {
              inFlight--;
            }
          };
          pending.push(deliver(send, tally).then(() => undefined));
        }
        if (sent >= count || nowMs() - t1 > opts.overloadSeconds * 1000 + 5000) {
          clearInterval(tick);
          resolve();
        }
      }, 10);
      const sampler = setInterval(() => {
        void ask(child, 'mem').then((m: Mem) => (sampledPeak = Math.max(sampledPeak, m.rss)));
        if (sent >= count && inFlight === 0 && settled) clearInterval(sampler);
      }, 200);
    });
    const elapsed = (nowMs() - t1) / 1000;
    // retries go on after the last first send: wait for every batch to be acknowledged or given up
    await Promise.all(pending);
    settled = true;
    const drained = (nowMs() - t1) / 1000;
    const after = (await ask(child, 'mem')) as Mem;
    const mb = (b: number) => b / 1024 / 1024;
    const accepted = tally.acknowledged;
    const codeText = [...tally.codes.entries()].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c === -1 ? 'conn error' : c}: ${n}`).join(', ');
    const refused = (tally.codes.get(429) ?? 0) + (tally.codes.get(503) ?? 0);
    const retryAfterText = [...tally.retryAfter.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s} s ×${n}`).join(', ');
    const batches = sent - skipped;
    return [
      { section: 'rss', metric: 'sustainable ingest over HTTP (closed loop, 4 in flight)', value: sustainRate, unit: 'spans/s', note: '100 % matching; load generator shares the 2 cores' },
      {
        section: 'rss',
        metric: 'offered 2× load',
        value: offered,
        unit: 'spans/s',
        note: `${sent} batches in ${elapsed.toFixed(1)} s${skipped ? ` (${skipped} not sent: ${MAX_OPEN_REQUESTS} open)` : ''}; answers ${codeText}; max ${maxInFlight} in flight; all acknowledged after ${drained.toFixed(1)} s, ${Math.round((accepted * SPANS_PER_REQUEST) / drained)} spans/s`,
      },
      {
        section: 'rss',
        metric: 'batches refused under 2× load (429/503, then retried)',
        value: refused,
        unit: 'answers',
        target: 'every batch acknowledged',
        status: status(tally.lost === 0 && accepted === batches),
        note: `${accepted}/${batches} batches acknowledged, ${tally.lost} given up after 60 s; ${tally.retries} retries; Retry-After ${retryAfterText || 'never sent'}`,
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
        note: `sampled max ${mb(sampledPeak).toFixed(0)} MB; heap after ${mb(after.heapUsed).toFixed(0)} MB; pending spans ${after.stats.waitingSpans}`,
      },
    ];
  } finally {
    if (child.connected) await Promise.race([ask(child, 'stop'), new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill();
  }
}
