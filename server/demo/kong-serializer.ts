/**
 * OTLP serializers that encode attribute values the way Kong does.
 *
 * The OTel JS transformer turns every integral JS number into `intValue`. Kong OSS sends
 * `http.status_code` as intValue but every other number as `doubleValue` (ports, try_count,
 * introspection.current.line; kong-otel.md §1.8). No public hook exists for that, so we reuse
 * the transformer's own request builders and protobuf root (pinned 0.213.0) and only retype
 * the values before encoding. We also drop what Kong never sends: an UNSET span status and
 * span flags.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ISerializer } from '@opentelemetry/otlp-transformer';

/* eslint-disable @typescript-eslint/no-require-imports */
const { createExportTraceServiceRequest } = require('@opentelemetry/otlp-transformer/build/src/trace/internal');
const { createExportLogsServiceRequest } = require('@opentelemetry/otlp-transformer/build/src/logs/internal');
const { PROTOBUF_ENCODER, JSON_ENCODER } = require('@opentelemetry/otlp-transformer/build/src/common/utils');
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
/* eslint-enable @typescript-eslint/no-require-imports */

export type NumberStyle =
  /** Kong OSS: only these keys stay intValue, every other number becomes doubleValue */
  | { kind: 'doubles-except'; intKeys: ReadonlySet<string> }
  /** Enterprise data plane: keep the SDK's choice (integral -> intValue) */
  | { kind: 'sdk' };

export const OSS_NUMBERS: NumberStyle = { kind: 'doubles-except', intKeys: new Set(['http.status_code']) };

interface KeyValue {
  key: string;
  value: { intValue?: number | string; doubleValue?: number };
}

export function retypeAttributes(attrs: KeyValue[] | undefined, style: NumberStyle): void {
  if (!attrs || style.kind === 'sdk') return;
  for (const kv of attrs) {
    if (kv.value && kv.value.intValue !== undefined && !style.intKeys.has(kv.key)) {
      kv.value = { doubleValue: Number(kv.value.intValue) };
    }
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function fixTraceRequest(req: any, style: NumberStyle): any {
  for (const rs of req.resourceSpans ?? []) {
    retypeAttributes(rs.resource?.attributes, style);
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        retypeAttributes(span.attributes, style);
        for (const ev of span.events ?? []) retypeAttributes(ev.attributes, style);
        if (!span.status || !span.status.code) delete span.status;
        delete span.flags;
        if (span.links && span.links.length === 0) delete span.links;
      }
    }
  }
  return req;
}

function fixLogsRequest(req: any, style: NumberStyle): any {
  for (const rl of req.resourceLogs ?? []) {
    retypeAttributes(rl.resource?.attributes, style);
    for (const sl of rl.scopeLogs ?? []) {
      for (const rec of sl.logRecords ?? []) retypeAttributes(rec.attributes, style);
    }
  }
  return req;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const traceRequestType = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const logsRequestType = root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;

export type Protocol = 'protobuf' | 'json';

export function kongTraceSerializer(protocol: Protocol, style: NumberStyle): ISerializer<ReadableSpan[], unknown> {
  if (protocol === 'protobuf') {
    return {
      serializeRequest: (spans) => traceRequestType.encode(fixTraceRequest(createExportTraceServiceRequest(spans, PROTOBUF_ENCODER), style)).finish(),
      deserializeResponse: (bytes) => ProtobufTraceSerializer.deserializeResponse(bytes),
    };
  }
  return {
    serializeRequest: (spans) => new TextEncoder().encode(JSON.stringify(fixTraceRequest(createExportTraceServiceRequest(spans, JSON_ENCODER), style))),
    deserializeResponse: (bytes) => JsonTraceSerializer.deserializeResponse(bytes),
  };
}

export function kongLogsSerializer(protocol: Protocol, style: NumberStyle): ISerializer<ReadableLogRecord[], unknown> {
  if (protocol === 'protobuf') {
    return {
      serializeRequest: (logs) => logsRequestType.encode(fixLogsRequest(createExportLogsServiceRequest(logs, PROTOBUF_ENCODER), style)).finish(),
      deserializeResponse: (bytes) => ProtobufLogsSerializer.deserializeResponse(bytes),
    };
  }
  return {
    serializeRequest: (logs) => new TextEncoder().encode(JSON.stringify(fixLogsRequest(createExportLogsServiceRequest(logs, JSON_ENCODER), style))),
    deserializeResponse: (bytes) => JsonLogsSerializer.deserializeResponse(bytes),
  };
}

/** Decode what kongTraceSerializer('protobuf') produced (tests, and handy for debugging). */
export function decodeProtobufTraces(bytes: Uint8Array): unknown {
  return traceRequestType.toObject(traceRequestType.decode(bytes), { longs: String, bytes: String, defaults: false });
}
