import { createDataFrame, FieldType, type DataFrame, type TraceKeyValuePair, type TraceLog } from '@grafana/data';
import type { AttributeValue, Span, TraceDetail } from '../../../common/api';
import type { TraceStanding } from '../../../common/analysis/types';
import { formatDuration } from '../../../common/lifecycle/format';
import { describeSpan } from '../../../common/spans/descriptions';
import { displayValue, internalLink, linkRange, nsToMs, type DsRef } from './links';

/** OTLP SpanKind numbers → the strings Grafana's trace view shows (TraceSpanRow.kind). 0 (unspecified) has none. */
const KIND_NAMES: Record<number, string> = { 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };

export const OTEL_STATUS_ERROR = 2;

function keyValues(attrs: Record<string, AttributeValue>): TraceKeyValuePair[] {
  return Object.keys(attrs)
    .sort()
    .map((key) => ({ key, value: displayValue(attrs[key]) }));
}

/** Kong's entity ids as spans and resources carry them (current name first, then older Kong's), and the tag naming each. */
const ENTITY_IDS: Array<{ kind: 'route' | 'service' | 'consumer'; keys: string[]; nameTag: string }> = [
  { kind: 'route', keys: ['proxy.kong.route.id', 'proxy.kong.router.route_id'], nameTag: 'kong.route.name' },
  { kind: 'service', keys: ['proxy.kong.service.id', 'proxy.kong.router.service_id'], nameTag: 'kong.service.name' },
  { kind: 'consumer', keys: ['proxy.kong.consumer.id', 'proxy.kong.consumer_id'], nameTag: 'kong.consumer.name' },
];

/** `kong.route.name` (and service, consumer) beside the ids Kong's names are known for (`route:<id>` → name) */
function entityNameTags(attrs: Record<string, AttributeValue>, names: ReadonlyMap<string, string> | undefined): TraceKeyValuePair[] {
  if (!names?.size) {
    return [];
  }
  const out: TraceKeyValuePair[] = [];
  for (const { kind, keys, nameTag } of ENTITY_IDS) {
    const id = keys.map((k) => attrs[k]).find((v): v is string => typeof v === 'string' && v !== '');
    const name = id === undefined ? undefined : names.get(`${kind}:${id}`);
    if (name !== undefined && attrs[nameTag] === undefined) {
      out.push({ key: nameTag, value: name });
    }
  }
  return out;
}

/**
 * Span attributes as tags, plus `error: true` on error spans (that tag is what draws the trace view's red marker),
 * plus Kong's names for the route, service and consumer ids the span carries.
 */
function spanTags(span: Span, names?: ReadonlyMap<string, string>): TraceKeyValuePair[] {
  // What the span measures first, so the span details open with it.
  const description = describeSpan(span.name, span.kind);
  const tags = [
    ...(description ? [{ key: 'kong.span.description', value: description }] : []),
    ...keyValues(span.attributes),
    ...entityNameTags(span.attributes, names),
  ];
  if (span.statusCode === OTEL_STATUS_ERROR && !tags.some((t) => t.key === 'error')) {
    tags.push({ key: 'error', value: true });
  }
  return tags;
}

/** Span events → span logs (timestamps in ms, like startTime). */
function spanLogs(span: Span): TraceLog[] {
  return span.events.map((event) => ({
    name: event.name,
    timestamp: nsToMs(event.timeUnixNano, event.timeMs),
    fields: keyValues(event.attributes),
  }));
}

export interface TraceFrameOptions {
  ds: DsRef;
  refId?: string;
  /** when known, span links read the logs of that session (else the server finds the session holding them) */
  sessionId?: string;
  /** abnormal steps of the trace in that session: their spans get a warning in the span details */
  standing?: TraceStanding;
  /** Kong's names (`route:<id>`, `service:<id>`, `consumer:<id>` → name), shown beside the ids in the span details */
  entityNames?: ReadonlyMap<string, string>;
}

/** Span id → the trace view's span warnings for lifecycle nodes above the session's p95. */
export function abnormalWarnings(standing: TraceStanding | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of standing?.nodes ?? []) {
    if (!n.abnormal || !n.spanId) {
      continue;
    }
    const s = n.session;
    const route = n.route ? `; route: p50 ${formatDuration(n.route.p50Ns)}, p95 ${formatDuration(n.route.p95Ns)}` : '';
    out.set(n.spanId, [
      `Abnormal step: ${n.label} took ${formatDuration(n.durationNs)}, above the session's p95 (p50 ${formatDuration(s.p50Ns)}, p95 ${formatDuration(s.p95Ns)}; percentile ${s.percentile} of ${s.count} traces${route})`,
    ]);
  }
  return out;
}

/**
 * One Kong trace as a Grafana TraceSpanRow frame: Explore and the Traces panel render it with the trace view.
 * Times and durations are in milliseconds (float); spans are ordered by start so the view's row order is stable.
 */
export function buildTraceFrame(trace: TraceDetail, opts: TraceFrameOptions): DataFrame {
  const spans = [...trace.spans].sort((a, b) => compareNs(a.startTimeUnixNano, b.startTimeUnixNano));
  const serviceName = typeof trace.resource['service.name'] === 'string' ? trace.resource['service.name'] : 'kong';
  const serviceTags = [...keyValues(trace.resource), ...entityNameTags(trace.resource, opts.entityNames)];
  const warnings = abnormalWarnings(opts.standing);

  // the trace's own start and end, so the links open the same trace whenever they are followed
  const range = linkRange(spans.flatMap((s) => [nsToMs(s.startTimeUnixNano, s.startTimeMs), nsToMs(s.startTimeUnixNano, s.startTimeMs) + Math.max(0, s.durationNs) / 1e6]));
  // "Logs for this span" needs no session: without one the server reads the logs from the session that holds them.
  const spanLinks = [
    internalLink(
      opts.ds,
      'Logs for this span',
      {
        queryType: 'logs',
        ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
        traceId: '${__span.traceId}',
        spanId: '${__span.spanId}',
      },
      { range }
    ),
    internalLink(opts.ds, 'Lifecycle summary of this trace', { queryType: 'summary', traceId: '${__span.traceId}' }, { range }),
  ];

  return createDataFrame({
    name: 'Trace',
    refId: opts.refId,
    meta: { preferredVisualisationType: 'trace', custom: { traceFormat: 'otlp', traceId: trace.traceId } },
    fields: [
      { name: 'traceID', type: FieldType.string, values: spans.map((s) => s.traceId) },
      { name: 'spanID', type: FieldType.string, values: spans.map((s) => s.spanId), config: { links: spanLinks } },
      { name: 'parentSpanID', type: FieldType.string, values: spans.map((s) => s.parentSpanId || undefined) },
      { name: 'operationName', type: FieldType.string, values: spans.map((s) => s.name) },
      { name: 'serviceName', type: FieldType.string, values: spans.map(() => serviceName) },
      { name: 'serviceTags', type: FieldType.other, values: spans.map(() => serviceTags) },
      { name: 'startTime', type: FieldType.number, values: spans.map((s) => nsToMs(s.startTimeUnixNano, s.startTimeMs)) },
      { name: 'duration', type: FieldType.number, values: spans.map((s) => Math.max(0, s.durationNs) / 1e6) },
      { name: 'logs', type: FieldType.other, values: spans.map(spanLogs) },
      { name: 'tags', type: FieldType.other, values: spans.map((s) => spanTags(s, opts.entityNames)) },
      { name: 'kind', type: FieldType.string, values: spans.map((s) => KIND_NAMES[s.kind]) },
      { name: 'statusCode', type: FieldType.number, values: spans.map((s) => s.statusCode) },
      { name: 'statusMessage', type: FieldType.string, values: spans.map((s) => s.statusMessage ?? '') },
      { name: 'instrumentationLibraryName', type: FieldType.string, values: spans.map(() => trace.scope?.name ?? '') },
      { name: 'instrumentationLibraryVersion', type: FieldType.string, values: spans.map(() => trace.scope?.version ?? '') },
      ...(warnings.size ? [{ name: 'warnings', type: FieldType.other, values: spans.map((s) => warnings.get(s.spanId)) }] : []),
    ],
  });
}

/** Compares Unix-ns decimal strings exactly (numbers lose the last digits). */
export function compareNs(a: string, b: string): number {
  if (a.length !== b.length) {
    return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
