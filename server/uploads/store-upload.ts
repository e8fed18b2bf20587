import type { UploadResult } from '../../common/analysis/types';
import { mergeSpans } from '../../common/spans';
import { toApiSpan, toNewLogs, toTraceRow } from '../ingest/api-shapes';
import { isRootSpan } from '../ingest/root';
import type { DecodedSpan } from '../otlp/types';
import type { Store, StoredSession, WriteBatch } from '../store/types';
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

  // Traces are keyed by (tenant, trace id): an upload only ever meets the tenant's own copy of a trace.
  const write: WriteBatch = { tenant, spans: [], traces: [], memberships: [], sessions: [], logs: [] };
  let added = 0;
  for (const [traceId, decoded] of byTrace) {
    const holders = await store.sessionsOfTrace(tenant, traceId);
    if (!holders.includes(sessionId)) added++;
    const fresh = decoded.map(toApiSpan);
    const all = mergeSpans(await store.getSpans(tenant, traceId), fresh);
    const root = decoded.find(isRootSpan) ?? decoded[0];
    const row = toTraceRow(traceId, all, parsed.traces.resources[root.resource]);
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
    if (rec.traceId && byTrace.has(rec.traceId)) write.logs.push(...toNewLogs(rec, [sessionId]));
  }
  await store.write(write);
  return { sessionId, traceIds: [...byTrace.keys()], spans: write.spans.length, logs: write.logs.length };
}
