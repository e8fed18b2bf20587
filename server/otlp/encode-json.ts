import type { AttributeValue, LogRecord, Span, TraceDetail } from '../../common/api';

/*
 * OTLP/JSON encoder (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding), the inverse of
 * decode-json.ts for what we store: lowerCamelCase fields, hex trace/span ids, 64-bit integers
 * (times, intValue) as decimal strings, enums (kind, status code, severity) as integers. Stored
 * attribute values carry no int/double tag, so a whole number within ±2^53 is written as intValue and
 * anything else as doubleValue (NaN and ±Infinity as the strings proto3 JSON uses); decoding gives the
 * same numbers back. A stored bytes value is already a base64 string and stays a string.
 */

type KeyValue = { key: string; value: OtlpAnyValue };
type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { arrayValue: { values: OtlpAnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;

export function anyValueJson(v: AttributeValue): OtlpAnyValue {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return { intValue: String(v) };
    if (Number.isNaN(v)) return { doubleValue: 'NaN' };
    if (!Number.isFinite(v)) return { doubleValue: v > 0 ? 'Infinity' : '-Infinity' };
    return { doubleValue: v };
  }
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValueJson) } };
  return { kvlistValue: { values: keyValuesJson(v) } };
}

export function keyValuesJson(attrs: Record<string, AttributeValue> | undefined): KeyValue[] {
  return Object.entries(attrs ?? {}).map(([key, value]) => ({ key, value: anyValueJson(value) }));
}

function spanJson(s: Span): Record<string, unknown> {
  const out: Record<string, unknown> = {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.endTimeUnixNano,
    attributes: keyValuesJson(s.attributes),
  };
  if (s.parentSpanId) out.parentSpanId = s.parentSpanId;
  if (s.events?.length) out.events = s.events.map((e) => ({ timeUnixNano: e.timeUnixNano, name: e.name, attributes: keyValuesJson(e.attributes) }));
  if (s.statusCode || s.statusMessage) out.status = { ...(s.statusMessage ? { message: s.statusMessage } : {}), code: s.statusCode };
  return out;
}

function scopeJson(scope: TraceDetail['scope']): Record<string, string> {
  return scope ? { name: scope.name, ...(scope.version ? { version: scope.version } : {}) } : {};
}

/**
 * One trace as an ExportTraceServiceRequest: one resource (the stored resource attributes) and one
 * scope (the stored name and version), spans in start order as stored.
 */
export function encodeTraceJson(trace: TraceDetail): { resourceSpans: unknown[] } {
  return {
    resourceSpans: [
      {
        resource: { attributes: keyValuesJson(trace.resource) },
        scopeSpans: [{ scope: scopeJson(trace.scope), spans: trace.spans.map(spanJson) }],
      },
    ],
  };
}

/** A trace's log records as an ExportLogsServiceRequest under the trace's resource and scope. */
export function encodeLogsJson(trace: Pick<TraceDetail, 'resource' | 'scope'>, logs: LogRecord[]): { resourceLogs: unknown[] } {
  return {
    resourceLogs: [
      {
        resource: { attributes: keyValuesJson(trace.resource) },
        scopeLogs: [
          {
            scope: scopeJson(trace.scope),
            logRecords: logs.map((l) => {
              const rec: Record<string, unknown> = {
                timeUnixNano: l.timeUnixNano,
                observedTimeUnixNano: l.timeUnixNano,
                severityNumber: l.severityNumber,
                body: anyValueJson(l.body),
                attributes: keyValuesJson(l.attributes),
              };
              if (l.severityText) rec.severityText = l.severityText;
              if (l.traceId) rec.traceId = l.traceId;
              if (l.spanId) rec.spanId = l.spanId;
              return rec;
            }),
          },
        ],
      },
    ],
  };
}
