import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { TraceListItem, TraceSearchItem } from '../../../common/api';
import { internalLink, linkRange, type DsRef } from './links';

export interface TracesFrameOptions {
  ds: DsRef;
  refId?: string;
  /** the session listed; absent for a search across sessions, whose rows each name the first session holding them */
  sessionId?: string;
  nextCursor?: string;
  /** the search stopped at its scan bound before the page was full (TraceSearchResult.partial) */
  partial?: boolean;
  /** Kong's names (`route:<id>`, `service:<id>` → name), for the name columns */
  entityNames?: ReadonlyMap<string, string>;
}

/**
 * Traces as a table (Tempo/Jaeger search-result style): `traceID` links to the trace view (keeping the session so
 * the trace's span links can reach the session's logs), `duration` is ms like Tempo's. A search across sessions adds
 * each row's session.
 */
export function buildTracesFrame(traces: Array<TraceListItem | TraceSearchItem>, opts: TracesFrameOptions): DataFrame {
  const range = linkRange(traces.flatMap((t) => [t.startTimeMs, t.startTimeMs + t.durationNs / 1e6]));
  const traceLink = internalLink(
    opts.ds,
    'Trace: ${__value.raw}',
    {
      queryType: 'trace',
      traceId: '${__value.raw}',
      sessionId: opts.sessionId ?? '${__data.fields.sessionId}',
    },
    { range }
  );
  const col = <T>(pick: (t: TraceListItem) => T) => traces.map(pick);
  const across = opts.sessionId === undefined;
  return createDataFrame({
    name: 'traces',
    refId: opts.refId,
    meta: {
      preferredVisualisationType: 'table',
      custom: { sessionId: opts.sessionId, nextCursor: opts.nextCursor },
      ...(opts.partial
        ? { notices: [{ severity: 'info' as const, text: 'The search stopped at its scan bound before the page was full: narrow the time range or the filters to see older traces.' }] }
        : {}),
    },
    fields: [
      { name: 'traceID', type: FieldType.string, values: col((t) => t.traceId), config: { displayNameFromDS: 'Trace ID', links: [traceLink] } },
      ...(across
        ? [{ name: 'sessionId', type: FieldType.string, values: traces.map((t) => ('sessionIds' in t ? (t.sessionIds[0] ?? '') : '')), config: { displayNameFromDS: 'Session' } }]
        : []),
      { name: 'requestId', type: FieldType.string, values: col((t) => t.requestId ?? ''), config: { displayNameFromDS: 'Request ID' } },
      { name: 'startTime', type: FieldType.time, values: col((t) => t.startTimeMs), config: { displayNameFromDS: 'Start time' } },
      { name: 'method', type: FieldType.string, values: col((t) => t.method ?? '') },
      { name: 'path', type: FieldType.string, values: col((t) => t.path ?? '') },
      { name: 'statusCode', type: FieldType.number, values: col((t) => t.statusCode ?? null), config: { displayNameFromDS: 'Status' } },
      { name: 'upstreamStatusCode', type: FieldType.number, values: col((t) => t.upstreamStatusCode ?? null), config: { displayNameFromDS: 'Upstream status' } },
      { name: 'duration', type: FieldType.number, values: col((t) => t.durationNs / 1e6), config: { unit: 'ms', displayNameFromDS: 'Duration' } },
      { name: 'kongLatency', type: FieldType.number, values: col((t) => t.latency.internalMs ?? null), config: { unit: 'ms', displayNameFromDS: 'Kong latency' } },
      { name: 'upstreamLatency', type: FieldType.number, values: col((t) => t.latency.upstreamMs ?? null), config: { unit: 'ms', displayNameFromDS: 'Upstream latency' } },
      { name: 'error', type: FieldType.boolean, values: col((t) => t.error) },
      { name: 'spanErrorCount', type: FieldType.number, values: col((t) => t.spanErrorCount ?? null), config: { displayNameFromDS: 'Span errors' } },
      { name: 'routeId', type: FieldType.string, values: col((t) => t.routeId ?? '') },
      { name: 'routeName', type: FieldType.string, values: col((t) => (t.routeId && opts.entityNames?.get(`route:${t.routeId}`)) || ''), config: { displayNameFromDS: 'Route' } },
      { name: 'serviceId', type: FieldType.string, values: col((t) => t.serviceId ?? '') },
      { name: 'serviceName', type: FieldType.string, values: col((t) => (t.serviceId && opts.entityNames?.get(`service:${t.serviceId}`)) || ''), config: { displayNameFromDS: 'Service' } },
      { name: 'consumerId', type: FieldType.string, values: col((t) => t.consumerId ?? '') },
      { name: 'clientAddress', type: FieldType.string, values: col((t) => t.clientAddress ?? '') },
      { name: 'host', type: FieldType.string, values: col((t) => t.host ?? '') },
      { name: 'spanCount', type: FieldType.number, values: col((t) => t.spanCount) },
      { name: 'dialect', type: FieldType.string, values: col((t) => t.dialect) },
    ],
  });
}
