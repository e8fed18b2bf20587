import type { AttributeValue } from '../../common/api';

/**
 * What the OTLP decoders hand to ingest: one flat list of spans (or log records) per request,
 * ids already normalised to lowercase hex, times as exact bigint nanoseconds.
 */

export type Attributes = Record<string, AttributeValue>;

/**
 * One per ScopeSpans/ScopeLogs; scopes of the same OTLP resource share one `attributes` object
 * (treat it as read-only).
 */
export interface DecodedResource {
  attributes: Attributes;
  scopeName?: string;
  scopeVersion?: string;
  /** resource attributes dropped over the receiver's per-item limit (OTLP dropped_attributes_count) */
  droppedAttributesCount?: number;
}

export interface DecodedEvent {
  name: string;
  timeNs: bigint;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

export interface DecodedSpan {
  traceId: string; // 32 lowercase hex
  spanId: string; // 16 lowercase hex
  parentSpanId: string; // '' when absent or all zero
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  events: DecodedEvent[];
  statusCode: number;
  statusMessage?: string;
  /** index into DecodedTraceBatch.resources */
  resource: number;
  /** attributes dropped over the receiver's per-item limit (OTLP dropped_attributes_count) */
  droppedAttributesCount?: number;
}

export interface DecodedTraceBatch {
  resources: DecodedResource[];
  spans: DecodedSpan[];
  /** items that could not be used (bad id, ...); the good ones are still in `spans` */
  rejected: number;
  /** human-readable reasons for the rejected items (first few) */
  errors: string[];
}

export interface DecodedLogRecord {
  timeNs: bigint; // time_unix_nano, or observed_time_unix_nano when time is 0
  severityNumber: number;
  severityText?: string;
  body: AttributeValue;
  attributes: Attributes;
  traceId?: string; // lowercase hex, absent when empty/zero
  spanId?: string;
  resource: number;
  droppedAttributesCount?: number;
}

export interface DecodedLogBatch {
  resources: DecodedResource[];
  records: DecodedLogRecord[];
  rejected: number;
  errors: string[];
}
