/*
 * Ingest throughput: Kong-shaped OTLP protobuf batches (200 spans a request, 20 spans a trace,
 * fresh ids) through IngestPipeline on SQLite and on PostgreSQL, at 0 %, 10 % and 100 % of traces
 * matching a running session, against decoding alone and inserting alone (the same rows, straight
 * into write()). Requests are handled IN_FLIGHT at a time, as the server takes Kong's workers'
 * concurrent exports; the insert baseline writes with the same concurrency.
 */
import type { AttributeValue } from '../common/api';
import { digestTrace, traceSummary } from '../common/lifecycle';
import { traceFacts } from '../common/spans';
import { toApiSpan } from '../server/ingest/api-shapes';
import { IngestPipeline } from '../server/ingest/pipeline';
import { redactionPolicy } from '../server/ingest/redact';
import { decodeTracesProtobuf } from '../server/otlp/decode-protobuf';
import { SessionManager } from '../server/sessions/manager';
import { encodeSpans, originOf } from '../server/store/span-codec';
import type { StoredSession, StoredTrace, WriteBatch } from '../server/store/types';
import { openBenchStore, postgresUnavailable, STORE_LABEL, type BenchStore, type BenchSync, type StoreKind } from './stores';
import { consume, kongPayloads, MATCH_PATH, nowMs, SPANS_PER_TRACE, status, type Result } from './util';

export const INGEST_RULE = `http.path ^= "${MATCH_PATH}"`;
/** requests handled at once (Kong's workers export concurrently) */
export const IN_FLIGHT = 4;
/** how long the server's timers run before a timed run starts */
const TIMERS_SETTLE_MS = 250;
/** paired runs (decode only, then the pipeline) behind each decode-only ratio */
const RATIO_RUNS = 3;
/** the 0 %-matching ratio's runs are this many times the section's requests (a run of 1,000 takes ~0.25 s) */
const FIREHOSE_RUN = 3;

interface Env {
  bs: BenchStore;
  sessions: SessionManager;
  pipeline: IngestPipeline;
  session: StoredSession;
}

async function env(kind: StoreKind, label: string, sync?: BenchSync): Promise<Env> {
  const bs = await openBenchStore(kind, label, sync);
  const sessions = new SessionManager(bs.store);
  await sessions.init();
  // Created directly (not through the API's validation) so the cap never ends it mid-run.
  const session = (await sessions.create({
    rule: { type: 'advanced', expression: INGEST_RULE },
    durationSeconds: 3600,
    maxTraces: 100_000_000,
    captureLogs: false,
  })) as StoredSession;
  // with the server's default redaction, as `serve` runs it
  const pipeline = new IngestPipeline(bs.store, sessions, { redact: redactionPolicy() });
  return { bs, sessions, pipeline, session };
}

async function close(e: Env): Promise<void> {
  e.sessions.stopTimer();
  await e.bs.close();
}

/**
 * What the server runs besides ingest: SQLite's WAL checkpoints, every second on their own thread. A server's timers
 * run long before a burst of ingest, so their start (a thread opening the database) and their stop are not timed:
 * `run` times itself.
 */
async function withServerTimers<T>(e: Env, run: () => Promise<T>): Promise<T> {
  const stop = e.bs.startServerTimers();
  await new Promise((r) => setTimeout(r, TIMERS_SETTLE_MS));
  try {
    return await run();
  } finally {
    await stop();
  }
}

/** runs `fn` over `items`, `n` at a time, in order of start */
async function inFlight<T>(n: number, items: T[], fn: (t: T, i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

/** this process's CPU time (all its threads) since `from`, ms */
function cpuMs(from?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}

interface Timed {
  ms: number;
  cpuMs: number;
}

/** `ms` wall clock of `run`; `cpuMs` this process's CPU time meanwhile (not a separate database server's) */
async function timed(run: () => Promise<unknown>): Promise<Timed> {
  // Each timed pass starts from a collected heap (npm run bench gives node --expose-gc), so a full collection the
  // previous pass left due is not paid by this one.
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = nowMs();
  const c0 = process.cpuUsage();
  await run();
  return { ms: nowMs() - t0, cpuMs: cpuMs(c0) };
}

export async function runPipeline(payloads: Buffer[], kind: StoreKind = 'sqlite', sync?: BenchSync): Promise<Timed & { stored: number }> {
  const e = await env(kind, 'ingest', sync);
  try {
    const t = await withServerTimers(e, () => timed(() => inFlight(IN_FLIGHT, payloads, (p) => e.pipeline.ingestTraces(decodeTracesProtobuf(p)))));
    return { ...t, stored: e.pipeline.stats.spansStored };
  } finally {
    await close(e);
  }
}

/**
 * Decoding alone, then the pipeline, on the same payloads in the same setting: one store, its server timers running,
 * IN_FLIGHT requests at a time. Whatever the setting costs (the checkpoint thread, the event loop's turns between
 * requests) is then on both sides of the ratio, which is the pipeline's own cost.
 */
async function runPaired(payloads: Buffer[], kind: StoreKind): Promise<{ decode: Timed; pipeline: Timed }> {
  const e = await env(kind, 'ingest');
  try {
    return await withServerTimers(e, async () => {
      const decode = await timed(() => inFlight(IN_FLIGHT, payloads, async (p) => consume(decodeTracesProtobuf(p))));
      const pipeline = await timed(() => inFlight(IN_FLIGHT, payloads, (p) => e.pipeline.ingestTraces(decodeTracesProtobuf(p))));
      return { decode, pipeline };
    });
  } finally {
    await close(e);
  }
}

function runDecode(payloads: Buffer[]): number {
  const t0 = nowMs();
  for (const p of payloads) consume(decodeTracesProtobuf(p));
  return nowMs() - t0;
}

/** The rows the pipeline writes for a 100 %-matching batch, built outside the timed part. */
function rowsOf(payload: Buffer, session: StoredSession, seq: number, kind: StoreKind): WriteBatch {
  const batch = decodeTracesProtobuf(payload);
  const write: WriteBatch = { tenant: 'default', spans: [], traces: [], memberships: [], sessions: [], logs: [] };
  const byTrace = new Map<string, ReturnType<typeof toApiSpan>[]>();
  for (const d of batch.spans) {
    const s = toApiSpan(d);
    const l = byTrace.get(s.traceId);
    if (l) l.push(s);
    else byTrace.set(s.traceId, [s]);
    write.spans.push(s);
  }
  const resource = batch.resources[0];
  for (const [traceId, spans] of byTrace) {
    const row: StoredTrace = {
      traceId,
      ...traceFacts(spans),
      resource: (resource?.attributes ?? {}) as Record<string, AttributeValue>,
      digest: digestTrace(traceSummary(traceId, spans)),
    };
    if (resource?.scopeName) row.scopeName = resource.scopeName;
    if (resource?.scopeVersion) row.scopeVersion = resource.scopeVersion;
    write.traces.push(row);
    write.memberships.push([session.id, traceId, row.startTimeMs]);
  }
  // fresh ids, judged just now: the pipeline says so (PostgreSQL then looks for no older copy of their rows)
  write.newTraces = new Set(byTrace.keys());
  // SQLite: the session's count goes out with the batch; PostgreSQL counts with its own statement (admission).
  if (kind === 'sqlite') write.sessions.push({ ...session, traceCount: seq * byTrace.size });
  return write;
}

/** encoding the span records of every trace in `payloads` (what store.write does for each new trace), ms */
function timeRecords(payloads: Buffer[]): number {
  const traces: Array<{ spans: ReturnType<typeof toApiSpan>[]; row: StoredTrace }> = [];
  for (const p of payloads) {
    const w = rowsOf(p, { id: 'bench' } as StoredSession, 1, 'postgres');
    for (const row of w.traces) traces.push({ spans: w.spans.filter((s) => s.traceId === row.traceId), row });
  }
  for (const t of traces.slice(0, 200)) consume(encodeSpans(t.spans, originOf(t.row))); // warm
  const t0 = nowMs();
  for (const t of traces) consume(encodeSpans(t.spans, originOf(t.row)));
  return nowMs() - t0;
}

export async function runInsert(payloads: Buffer[], kind: StoreKind = 'sqlite', sync?: BenchSync): Promise<number> {
  const e = await env(kind, 'insert', sync);
  try {
    const batches = payloads.map((p, i) => rowsOf(p, e.session, i + 1, kind));
    return await withServerTimers(e, async () => {
      const t0 = nowMs();
      await inFlight(IN_FLIGHT, batches, (b) => Promise.resolve(e.bs.store.write(b)));
      return nowMs() - t0;
    });
  } finally {
    await close(e);
  }
}

async function benchStore(kind: StoreKind, requests: number, sets: Record<0 | 10 | 100, Buffer[]> & { firehose: Buffer[] }, decodeMs: number): Promise<Result[]> {
  const label = STORE_LABEL[kind];
  const total = requests * 200;
  // Warm-up on separate payloads so JIT and the database's cache are equally warm for every run.
  const warm = kongPayloads(Math.max(20, requests / 10), 1);
  await runPipeline(warm, kind);
  await runInsert(warm, kind);

  const insertMs = await runInsert(sets[100], kind);
  const runs: Record<number, { ms: number; stored: number }> = {};
  for (const pct of [0, 10, 100] as const) runs[pct] = await runPipeline(sets[pct], kind);

  const rate = (ms: number) => (total / ms) * 1000;
  const insertRate = rate(insertMs);
  // decoding and inserting one after the other, on one core: the best the pipeline could do
  const limit = rate(decodeMs + insertMs);
  const encodeMs = timeRecords(sets[100]);
  const perTrace = (ms: number) => (ms * 1000) / (total / SPANS_PER_TRACE);
  const out: Result[] = [
    { section: 'ingest', metric: `${label}: baseline insert only (store.write, ${IN_FLIGHT} in flight)`, value: insertRate, unit: 'spans/s' },
    { section: 'ingest', metric: `${label}: baseline decode+insert limit`, value: limit, unit: 'spans/s' },
    {
      // What keeping every trace could reach with a pipeline that cost nothing: decoding plus the store's write of the
      // rows (issue 17's 0.3x target for 100 % matching is measured against the same decode-only rate).
      section: 'ingest',
      metric: `${label}: decode+insert limit vs decode only`,
      value: decodeMs / (decodeMs + insertMs),
      unit: '×',
      baseline: { name: 'decode only', value: rate(decodeMs), unit: 'spans/s' },
      ratio: decodeMs / (decodeMs + insertMs),
      note: `a trace: decode ${perTrace(decodeMs).toFixed(0)} µs, store.write ${perTrace(insertMs).toFixed(0)} µs (of which its span record, JSON and deflate, ${perTrace(encodeMs).toFixed(0)} µs, timed alone)`,
    },
  ];
  for (const pct of [0, 10, 100] as const) {
    const r = runs[pct];
    const v = rate(r.ms);
    const res: Result = {
      section: 'ingest',
      metric: `${label}: pipeline, ${pct} % matching`,
      value: v,
      unit: 'spans/s',
      baseline: { name: 'decode+insert limit', value: limit, unit: 'spans/s' },
      ratio: v / limit,
      note: `${r.stored} of ${total} spans stored`,
    };
    // The targets are for the embedded default; PostgreSQL's figures are reported against their own limit.
    if (pct === 100 && kind === 'sqlite') {
      res.target = '≥50,000 spans/s and ≥0.5× limit';
      res.status = status(v >= 50_000 && v / limit >= 0.5);
    }
    out.push(res);
  }
  const r0 = rate(runs[0].ms);
  const r100 = rate(runs[100].ms);
  // Issue 17's targets, against decoding alone: the firehose no session wants costs little more than decoding it
  // (in every run), and keeping everything (compact trace storage) at least 0.3x of it. Each pipeline run is paired
  // with decoding the same payloads just before it in the same setting (runPaired), so the machine's other load (it
  // varies by the second on a shared machine) and the setting's own costs are on both sides of a ratio alike; the
  // worst pair of RATIO_RUNS is the figure. The note adds the same ratio in this process's CPU time, which other
  // processes' load hardly moves (on SQLite it includes the store's work; on PostgreSQL the database server's is not
  // in it).
  for (const [pct, min] of [
    [0, 0.9],
    [100, 0.3],
  ] as const) {
    const pairs: Array<{ decode: number; pipeline: number; cpu: number }> = [];
    for (let i = 0; i < RATIO_RUNS; i++) {
      const { decode, pipeline } = await runPaired(pct === 0 ? sets.firehose : sets[pct], kind);
      pairs.push({ decode: decode.ms, pipeline: pipeline.ms, cpu: decode.cpuMs / pipeline.cpuMs });
    }
    const ratios = pairs.map((p) => p.decode / p.pipeline);
    const worst = pairs[ratios.indexOf(Math.min(...ratios))];
    out.push({
      section: 'ingest',
      metric: `${label}: pipeline, ${pct} % matching vs decode only (worst of ${RATIO_RUNS} paired runs)`,
      value: worst.decode / worst.pipeline,
      unit: '×',
      baseline: { name: 'decode only', value: (total * (pct === 0 ? FIREHOSE_RUN : 1) * 1000) / worst.decode, unit: 'spans/s' },
      ratio: worst.decode / worst.pipeline,
      target: `≥${min}× decode only`,
      status: status(worst.decode / worst.pipeline >= min),
      note: `all runs: ${ratios.map((r) => r.toFixed(2)).join(', ')}; in CPU time: ${pairs.map((p) => p.cpu.toFixed(2)).join(', ')}`,
    });
  }
  out.push({
    section: 'ingest',
    metric: `${label}: 0 % vs 100 % matching`,
    value: r0 / r100,
    unit: '×',
    baseline: { name: '100 % matching', value: r100, unit: 'spans/s' },
    ratio: r0 / r100,
    ...(kind === 'sqlite' ? { target: '≥5×', status: status(r0 / r100 >= 5) } : {}),
  });
  return out;
}

export async function benchIngest(requests: number, kinds: readonly StoreKind[] = ['sqlite', 'postgres']): Promise<Result[]> {
  const sets = {
    0: kongPayloads(requests, 0),
    // the 0 % ratio's runs: three times as long, so that no one collection or scheduling hiccup decides a run
    firehose: kongPayloads(requests * FIREHOSE_RUN, 0),
    10: kongPayloads(requests, 10),
    100: kongPayloads(requests, 1),
  };
  runDecode(kongPayloads(Math.max(20, requests / 10), 1));
  const decodeMs = runDecode(sets[100]);
  const out: Result[] = [{ section: 'ingest', metric: 'baseline: decode only', value: ((requests * 200) / decodeMs) * 1000, unit: 'spans/s' }];
  for (const kind of kinds) {
    const why = kind === 'postgres' ? await postgresUnavailable() : undefined;
    if (why) out.push({ section: 'ingest', metric: STORE_LABEL[kind], value: null, unit: '', note: `n/a — ${why}`, status: 'n/a' });
    else out.push(...(await benchStore(kind, requests, sets, decodeMs)));
  }
  return out;
}
