import { createHash } from 'node:crypto';
import type { AttributeValue, Span } from '../../common/api';
import type { UploadResult } from '../../common/analysis/types';
import { analyzeTrace, digestTrace } from '../../common/lifecycle';
import { mergeSpans } from '../../common/spans';
import { nsToMs } from '../../common/spans/time';
import { toApiSpan } from '../ingest/pipeline';
import { normaliseLevel } from '../ingest/levels';
import type { DecodedLogRecord, DecodedResource, DecodedSpan } from '../otlp/types';
import { tenantOf } from '../sessions/manager';
import type { NewLogRecord, Store, StoredSession, TraceRow, WriteBatch } from '../store/types';
import type { ParsedUpload } from './parse';
import { newUploadsSession, uploadsSessionId, UPLOADS_MAX_TRACES } from './uploads-session';

/** An upload that cannot be stored as asked (409): a trace id held by another tenant, a full Uploads session. */
export class UploadConflictError extends Error {}

/**
 * Stores an uploaded file's traces (and their logs) in the tenant's Uploads session, as ingest stores a
 * captured trace: API spans from the decoded ones (`toApiSpan`), merged with what is stored under the
 * same trace id (an upload of a trace this server captured changes nothing), one trace row with its
 * list facts and digest (`analyzeTrace`, `digestTrace`), a membership, and the session's counters, in
 * one atomic write. Log records without a trace id, or of a trace not in the file, are not stored.
 * Uploads of one process are serialised: the session's trace count is read, then written.
 */
export async function storeUpload(store: Store, parsed: ParsedUpload, tenant: string, nowMs: number): Promise<UploadResult> {
  const run = queue.then(() => write(store, parsed, tenant, nowMs));
  queue = run.catch(() => undefined);
  return run;
}
let queue: Promise<unknown> = Promise.resolve();

async function write(store: Store, parsed: ParsedUpload, tenant: string, nowMs: number): Promise<UploadResult> {
  const sessionId = uploadsSessionId(tenant);
  const byTrace = new Map<string, DecodedSpan[]>();
  for (const s of parsed.traces.spans) {
    const list = byTrace.get(s.traceId);
    if (list) list.push(s);
    else byTrace.set(s.traceId, [s]);
  }

  const write: WriteBatch = { spans: [], traces: [], memberships: [], sessions: [], logs: [] };
  let added = 0;
  for (const [traceId, decoded] of byTrace) {
    const holders = await store.sessionsOfTrace(traceId);
    for (const id of holders) {
      const s = await store.getSession(id);
      // Until traces are keyed by tenant, one trace id is one stored trace: never let an upload change another tenant's.
      if (s && tenantOf(s) !== tenant) throw new UploadConflictError(`trace ${traceId} cannot be uploaded: a trace with this id is already stored for another tenant`);
    }
    if (!holders.includes(sessionId)) added++;
    const fresh = decoded.map(toApiSpan);
    const all = mergeSpans(await store.getSpans(traceId), fresh);
    const root = decoded.find((s) => s.parentSpanId === '') ?? decoded[0];
    const row = traceRowOf(traceId, all, parsed.traces.resources[root.resource]);
    write.spans.push(...fresh);
    write.traces.push(row);
    write.memberships.push([sessionId, traceId, row.startTimeMs]);
  }

  const existing = await store.getSession(sessionId);
  const session: StoredSession = existing ? { ...existing } : newUploadsSession(tenant, nowMs);
  if (session.traceCount + added > UPLOADS_MAX_TRACES) {
    throw new UploadConflictError(`the Uploads session holds ${session.traceCount} traces and may hold ${UPLOADS_MAX_TRACES}: delete it (DELETE /api/v1/sessions/${sessionId}) to upload more`);
  }
  session.traceCount += added;
  session.endedAt = session.endsAt = new Date(nowMs).toISOString();
  write.sessions.push(session);

  for (const rec of parsed.logs.records) {
    if (rec.traceId && byTrace.has(rec.traceId)) write.logs.push(toLog(rec, sessionId));
  }
  await store.write(write);
  return { sessionId, traceIds: [...byTrace.keys()], spans: write.spans.length, logs: write.logs.length };
}

/** The trace row ingest writes (server/ingest/pipeline.ts `traceRow`): list facts, resource, scope and digest. */
export function traceRowOf(traceId: string, spans: Span[], resource: DecodedResource | undefined): TraceRow {
  const { facts, summary } = analyzeTrace(traceId, spans);
  const row: TraceRow = { traceId, ...facts, resource: (resource?.attributes ?? {}) as Record<string, AttributeValue>, digest: digestTrace(summary) };
  if (resource?.scopeName) row.scopeName = resource.scopeName;
  if (resource?.scopeVersion) row.scopeVersion = resource.scopeVersion;
  return row;
}

/** As ingest stores a log record; the dedupe key makes a re-uploaded record count once. */
function toLog(rec: DecodedLogRecord, sessionId: string): NewLogRecord {
  const key = createHash('sha1')
    .update(`${rec.timeNs}|${rec.traceId ?? ''}|${rec.spanId ?? ''}|${rec.severityNumber}|${rec.severityText ?? ''}|`)
    .update(JSON.stringify(rec.body) ?? '')
    .update(JSON.stringify(rec.attributes))
    .digest('base64url');
  const log: NewLogRecord = {
    sessionId,
    dedupeKey: key,
    timeUnixNano: rec.timeNs.toString(),
    timeMs: nsToMs(rec.timeNs),
    level: normaliseLevel(rec.severityNumber, rec.severityText),
    severityNumber: rec.severityNumber,
    body: rec.body ?? null,
    attributes: rec.attributes,
  };
  if (rec.severityText) log.severityText = rec.severityText;
  if (rec.traceId) log.traceId = rec.traceId;
  if (rec.spanId) log.spanId = rec.spanId;
  return log;
}
