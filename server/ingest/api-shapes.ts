import type { AttributeValue, Span } from '../../common/api';
import { analyzeTrace, digestTrace } from '../../common/lifecycle';
import { withResourceIds } from '../../common/spans/facts';
import { nsToMs } from '../../common/spans/time';
import type { DecodedLogRecord, DecodedResource, DecodedSpan } from '../otlp/types';
import type { NewLogRecord, StoredTrace } from '../store/types';
import { normaliseLevel } from './levels';
import { logDedupeKey } from './log-dedupe';

/** Decoded OTLP to the shapes the store keeps and the API serves. Pure functions. */

export function toApiSpan(d: DecodedSpan): Span {
  const span: Span = {
    traceId: d.traceId,
    spanId: d.spanId,
    parentSpanId: d.parentSpanId,
    name: d.name,
    kind: d.kind,
    startTimeUnixNano: d.startNs.toString(),
    endTimeUnixNano: d.endNs.toString(),
    startTimeMs: nsToMs(d.startNs),
    durationNs: Number(d.endNs - d.startNs),
    attributes: d.attributes,
    events: d.events.map((e) => ({ name: e.name, timeUnixNano: e.timeNs.toString(), timeMs: nsToMs(e.timeNs), attributes: e.attributes })),
    statusCode: d.statusCode,
  };
  if (d.statusMessage) span.statusMessage = d.statusMessage;
  return span;
}

/** The trace's list row and lifecycle digest, over all its spans so far; resource and scope from the root's. */
export function toTraceRow(traceId: string, spans: Span[], resource: DecodedResource | undefined): StoredTrace {
  const { facts, summary } = analyzeTrace(traceId, spans);
  const row: StoredTrace = {
    traceId,
    ...withResourceIds(facts, resource?.attributes),
    resource: (resource?.attributes ?? {}) as Record<string, AttributeValue>,
    digest: digestTrace(summary),
  };
  if (resource?.scopeName) row.scopeName = resource.scopeName;
  if (resource?.scopeVersion) row.scopeVersion = resource.scopeVersion;
  return row;
}

/** One stored copy of the record for each of these sessions (same dedupe key: it names the record, not the copy). */
export function toNewLogs(rec: DecodedLogRecord, sessionIds: readonly string[]): NewLogRecord[] {
  if (sessionIds.length === 0) return [];
  const log: Omit<NewLogRecord, 'sessionId'> = {
    dedupeKey: logDedupeKey(rec),
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
  return sessionIds.map((sessionId) => ({ sessionId, ...log }));
}
