/*
 * Ingest throughput: Kong-shaped OTLP protobuf batches (200 spans a request, 20 spans a trace,
 * fresh ids) through IngestPipeline on SQLite, at 0 %, 10 % and 100 % of traces matching a running
 * session, against decoding alone and inserting alone (the same rows, straight into write()).
 */
import type { AttributeValue } from '../common/api';
import { digestTrace, traceSummary } from '../common/lifecycle';
import { traceFacts } from '../common/spans';
import { IngestPipeline, toApiSpan } from '../server/ingest/pipeline';
import { decodeTracesProtobuf } from '../server/otlp/decode-protobuf';
import { SessionManager } from '../server/sessions/manager';
import { SqliteStore } from '../server/store/sqlite';
import type { StoredSession, TraceRow, WriteBatch } from '../server/store/types';
import { consume, kongPayloads, MATCH_PATH, nowMs, rmDir, status, tmpDir, type Result } from './util';

export const INGEST_RULE = `http.path ^= "${MATCH_PATH}"`;

interface Env {
  dir: string;
  store: SqliteStore;
  sessions: SessionManager;
  pipeline: IngestPipeline;
  session: StoredSession;
}

async function env(label: string): Promise<Env> {
  const dir = tmpDir(label);
  const store = new SqliteStore(dir);
  const sessions = new SessionManager(store);
  await sessions.init();
  // Created directly (not through the API's validation) so the cap never ends it mid-run.
  const session = (await sessions.create({
    rule: { type: 'advanced', expression: INGEST_RULE },
    durationSeconds: 3600,
    maxTraces: 100_000_000,
    captureLogs: false,
  })) as StoredSession;
  const pipeline = new IngestPipeline(store, sessions);
  return { dir, store, sessions, pipeline, session };
}

function close(e: Env): void {
  e.sessions.stopTimer();
  e.store.close();
  rmDir(e.dir);
}

export async function runPipeline(payloads: Buffer[]): Promise<{ ms: number; stored: number }> {
  const e = await env('ingest');
  try {
    const t0 = nowMs();
    for (const p of payloads) await e.pipeline.ingestTraces(decodeTracesProtobuf(p));
    const ms = nowMs() - t0;
    return { ms, stored: e.pipeline.stats.spansStored };
  } finally {
    close(e);
  }
}

function runDecode(payloads: Buffer[]): number {
  const t0 = nowMs();
  for (const p of payloads) consume(decodeTracesProtobuf(p));
  return nowMs() - t0;
}

/** The rows the pipeline writes for a 100 %-matching batch, built outside the timed part. */
function rowsOf(payload: Buffer, session: StoredSession, seq: number): WriteBatch {
  const batch = decodeTracesProtobuf(payload);
  const write: WriteBatch = { spans: [], traces: [], memberships: [], sessions: [], logs: [] };
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
    const row: TraceRow = {
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
  write.sessions.push({ ...session, traceCount: seq * byTrace.size });
  return write;
}

export async function runInsert(payloads: Buffer[]): Promise<number> {
  return runInsertWith(payloads, []);
}

/** `pragmas` lets a profiling session try SQLite settings on the insert baseline (the bench itself uses none). */
export async function runInsertWith(payloads: Buffer[], pragmas: string[]): Promise<number> {
  const e = await env('insert');
  for (const p of pragmas) (e.store as unknown as { db: { pragma(s: string): unknown } }).db.pragma(p);
  try {
    const batches = payloads.map((p, i) => rowsOf(p, e.session, i + 1));
    const t0 = nowMs();
    for (const b of batches) await e.store.write(b);
    return nowMs() - t0;
  } finally {
    close(e);
  }
}

export async function benchIngest(requests: number): Promise<Result[]> {
  const spansPer = 200;
  const total = requests * spansPer;
  const sets = {
    0: kongPayloads(requests, 0),
    10: kongPayloads(requests, 10),
    100: kongPayloads(requests, 1),
  };
  // Warm-up on separate payloads so JIT and SQLite page cache are equally warm for every run.
  const warm = kongPayloads(Math.max(20, requests / 10), 1);
  runDecode(warm);
  await runPipeline(warm);
  await runInsert(warm);

  const decodeMs = runDecode(sets[100]);
  const insertMs = await runInsert(sets[100]);
  const runs: Record<number, { ms: number; stored: number }> = {};
  for (const pct of [0, 10, 100] as const) runs[pct] = await runPipeline(sets[pct]);

  const rate = (ms: number) => (total / ms) * 1000;
  const decodeRate = rate(decodeMs);
  const insertRate = rate(insertMs);
  // decoding and inserting one after the other, on one core: the best the pipeline could do
  const limit = rate(decodeMs + insertMs);
  const out: Result[] = [
    { section: 'ingest', metric: 'baseline: decode only', value: decodeRate, unit: 'spans/s' },
    { section: 'ingest', metric: 'baseline: insert only (store.write)', value: insertRate, unit: 'spans/s' },
    { section: 'ingest', metric: 'baseline: decode+insert limit', value: limit, unit: 'spans/s' },
  ];
  for (const pct of [0, 10, 100] as const) {
    const r = runs[pct];
    const v = rate(r.ms);
    const res: Result = {
      section: 'ingest',
      metric: `pipeline, SQLite, ${pct} % matching`,
      value: v,
      unit: 'spans/s',
      baseline: { name: 'decode+insert limit', value: limit, unit: 'spans/s' },
      ratio: v / limit,
      note: `${r.stored} of ${total} spans stored`,
    };
    if (pct === 100) {
      res.target = '≥50,000 spans/s and ≥0.5× limit';
      res.status = status(v >= 50_000 && v / limit >= 0.5);
    }
    out.push(res);
  }
  const r0 = rate(runs[0].ms);
  const r100 = rate(runs[100].ms);
  out.push({
    section: 'ingest',
    metric: '0 % vs 100 % matching',
    value: r0 / r100,
    unit: '×',
    baseline: { name: '100 % matching', value: r100, unit: 'spans/s' },
    ratio: r0 / r100,
    target: '≥5×',
    status: status(r0 / r100 >= 5),
  });
  out.push({ section: 'ingest', metric: 'PostgreSQL', value: null, unit: '', note: 'n/a — no PostgreSQL store yet', status: 'n/a' });
  return out;
}
