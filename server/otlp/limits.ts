import type { AttributeValue } from '../../common/api';
import { MAX_ERRORS } from './errors';
import type { Attributes, DecodedLogBatch, DecodedResource, DecodedTraceBatch } from './types';

/*
 * Limits of the OTLP receiver against hostile or runaway senders. Two kinds:
 * - whole-request limits (body size, items per request): the request is refused with 413 and
 *   a message naming the limit, so nothing is half-stored;
 * - per-item limits (attribute count, string length): the item is KEPT, the excess is dropped
 *   or truncated and counted (OTLP's dropped_attributes_count semantics), and the receiver
 *   reports it in partial_success.error_message with rejected = 0 (a warning, per the spec);
 * - attribute key length: a key cannot be cut without changing what it names (and two cut keys
 *   could collide), so an item with an over-long key is REJECTED, counted with a reason in
 *   partial_success, and its neighbours are kept.
 * Kong batches 200 spans per request and its attributes are short, so the defaults are far
 * above anything a gateway sends.
 */

export interface OtlpLimits {
  /** request body as sent and, when gzip-encoded, after decompression (413 above) */
  maxBodyBytes: number;
  /** spans in one ExportTraceServiceRequest, counting rejected ones (413 above) */
  maxSpansPerRequest: number;
  /** log records in one ExportLogsServiceRequest, counting rejected ones (413 above) */
  maxLogRecordsPerRequest: number;
  /** attributes kept per span, span event, log record and resource; the rest are dropped and counted */
  maxAttributesPerItem: number;
  /** UTF-8 bytes kept of each string in an attribute value (nested ones too); longer ones are truncated and counted */
  maxAttributeValueBytes: number;
  /** UTF-8 bytes of an attribute key (keys nested in kvlist values too); an item with a longer one is rejected */
  maxAttributeKeyBytes: number;
}

/**
 * AnyValue nesting (arrays/kvlists inside attribute values and log bodies): deeper bodies are
 * malformed (400 / item rejected). Fixed, not an option: it bounds the decoders' recursion.
 */
export const MAX_ANY_VALUE_DEPTH = 32;

export const DEFAULT_LIMITS: Readonly<OtlpLimits> = Object.freeze({
  maxBodyBytes: 16 * 1024 * 1024,
  maxSpansPerRequest: 50_000,
  maxLogRecordsPerRequest: 50_000,
  maxAttributesPerItem: 256,
  maxAttributeValueBytes: 16 * 1024,
  // Kong's longest keys are about 40 bytes; 1 KiB leaves room for any real instrumentation
  maxAttributeKeyBytes: 1024,
});

/** defaults overridden by the given (defined) values; throws on a nonsensical value (a startup error) */
export function resolvePositiveLimits<T extends { [K in keyof T]: number }>(defaults: Readonly<T>, partial: Partial<T> = {}): T {
  const out = { ...defaults } as T;
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const v = partial[key];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || (v as number) < 1) throw new RangeError(`OTLP limit ${String(key)} must be a positive integer, got ${String(v)}`);
    out[key] = v as T[keyof T];
  }
  return out;
}

export function resolveLimits(partial: Partial<OtlpLimits> = {}): OtlpLimits {
  return resolvePositiveLimits(DEFAULT_LIMITS, partial);
}

/** what the per-item limits changed in one request */
export interface LimitReport {
  /** attributes dropped over maxAttributesPerItem, and on how many items (spans, events, log records, resources) */
  droppedAttributes: number;
  itemsWithDroppedAttributes: number;
  /** strings cut to maxAttributeValueBytes */
  truncatedValues: number;
}

/** the longest prefix of `s` that is at most `maxBytes` UTF-8 bytes and ends on a character boundary */
export function truncateUtf8(s: string, maxBytes: number): string {
  // every UTF-16 unit is at most 3 UTF-8 bytes: short strings skip the byte count
  if (s.length * 3 <= maxBytes || Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const buf = Buffer.from(s, 'utf8');
  let cut = maxBytes;
  // step back over continuation bytes (10xxxxxx) so no character is split
  while (cut > 0 && (buf[cut] & 0xc0) === 0x80) cut--;
  return buf.toString('utf8', 0, cut);
}

class Limiter {
  report: LimitReport = { droppedAttributes: 0, itemsWithDroppedAttributes: 0, truncatedValues: 0 };
  /** attribute objects already limited → attributes they dropped */
  private seen = new Map<Attributes, number>();
  constructor(private limits: OtlpLimits) {}

  private value(v: AttributeValue): AttributeValue {
    if (typeof v === 'string') {
      const t = truncateUtf8(v, this.limits.maxAttributeValueBytes);
      if (t !== v) this.report.truncatedValues++;
      return t;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.value(v[i]);
      return v;
    }
    if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) v[k] = this.value(v[k]);
    }
    return v;
  }

  /**
   * Applies both attribute limits in place; returns how many attributes were dropped. The
   * first maxAttributesPerItem keys in object order are kept (arrival order, except that
   * integer-like keys come first in a JS object).
   */
  attributes(attrs: Attributes): number {
    // a resource's attributes are shared by its scopes: limit and count each object once
    const before = this.seen.get(attrs);
    if (before !== undefined) return before;
    const keys = Object.keys(attrs);
    const max = this.limits.maxAttributesPerItem;
    let dropped = 0;
    for (let i = 0; i < keys.length; i++) {
      if (i >= max) {
        delete attrs[keys[i]];
        dropped++;
      } else attrs[keys[i]] = this.value(attrs[keys[i]]);
    }
    this.seen.set(attrs, dropped);
    if (dropped > 0) {
      this.report.droppedAttributes += dropped;
      this.report.itemsWithDroppedAttributes++;
    }
    return dropped;
  }
}

function withDropped<T extends { droppedAttributesCount?: number }>(item: T, dropped: number): void {
  if (dropped > 0) item.droppedAttributesCount = (item.droppedAttributesCount ?? 0) + dropped;
}

/** Applies the per-item limits to a decoded trace batch in place. */
export function limitTraceBatch(batch: DecodedTraceBatch, limits: OtlpLimits): LimitReport {
  const l = new Limiter(limits);
  for (const res of batch.resources) withDropped(res, l.attributes(res.attributes));
  for (const span of batch.spans) {
    withDropped(span, l.attributes(span.attributes));
    for (const ev of span.events) withDropped(ev, l.attributes(ev.attributes));
  }
  return l.report;
}

/** Applies the per-item limits to a decoded log batch in place (bodies are not attributes: untouched). */
export function limitLogBatch(batch: DecodedLogBatch, limits: OtlpLimits): LimitReport {
  const l = new Limiter(limits);
  for (const res of batch.resources) withDropped(res, l.attributes(res.attributes));
  for (const rec of batch.records) withDropped(rec, l.attributes(rec.attributes));
  return l.report;
}

/**
 * Times are stored as signed 64-bit nanoseconds (SQLite INTEGER): a uint64 time above 2^63 - 1
 * (after the year 2262) is valid OTLP but cannot be stored, so its item is rejected with a reason
 * instead of failing the whole request.
 */
export const MAX_TIME_NS = (1n << 63n) - 1n;

interface Rejecting {
  rejected: number;
  errors: string[];
}

function rejectWhere<T>(items: T[], out: Rejecting, reason: (item: T) => string | undefined): T[] {
  const kept: T[] = [];
  for (const item of items) {
    const why = reason(item);
    if (why === undefined) kept.push(item);
    else {
      out.rejected++;
      // one reason for the items of one bad resource, not one each
      if (out.errors.length < MAX_ERRORS && out.errors[out.errors.length - 1] !== why) out.errors.push(why);
    }
  }
  return kept;
}

const tooLate = (ns: bigint) => ns > MAX_TIME_NS;
const timeReason = (what: string, field: string, ns: bigint) =>
  `${what}: ${field} ${ns} is beyond the largest storable time (${MAX_TIME_NS} ns, year 2262)`;

/** Rejects (in place, counted with a reason) spans whose start, end or event times cannot be stored. */
export function rejectUnstorableSpans(batch: DecodedTraceBatch): void {
  batch.spans = rejectWhere(batch.spans, batch, (s) => {
    const what = `span ${s.spanId}`;
    if (tooLate(s.startNs)) return timeReason(what, 'start_time_unix_nano', s.startNs);
    if (tooLate(s.endNs)) return timeReason(what, 'end_time_unix_nano', s.endNs);
    const ev = s.events.find((e) => tooLate(e.timeNs));
    return ev ? timeReason(what, `event ${JSON.stringify(ev.name)} time_unix_nano`, ev.timeNs) : undefined;
  });
}

/** Rejects (in place, counted with a reason) log records whose time cannot be stored. */
export function rejectUnstorableLogs(batch: DecodedLogBatch): void {
  batch.records = rejectWhere(batch.records, batch, (r) =>
    tooLate(r.timeNs) ? timeReason('log record', 'time_unix_nano', r.timeNs) : undefined
  );
}

/** the first key of `attrs` (or of a kvlist nested in its values) over `max` UTF-8 bytes, described; undefined when none */
function overlongKey(attrs: { [key: string]: AttributeValue }, max: number, path = ''): string | undefined {
  for (const key of Object.keys(attrs)) {
    // a cheap bound first: most keys are short
    if (key.length > max || (key.length * 3 > max && Buffer.byteLength(key, 'utf8') > max)) {
      const preview = key.length > 32 ? `${JSON.stringify(key.slice(0, 32))}…` : JSON.stringify(key);
      return `${path}attribute key ${preview} of ${Buffer.byteLength(key, 'utf8')} bytes is over the limit of ${max} bytes per key`;
    }
    const inner = overlongKeyIn(attrs[key], max, `${path}attribute ${JSON.stringify(key)}: nested `);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

function overlongKeyIn(v: AttributeValue, max: number, path: string): string | undefined {
  if (Array.isArray(v)) {
    for (const x of v) {
      const inner = overlongKeyIn(x, max, path);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (v !== null && typeof v === 'object') return overlongKey(v, max, path);
  return undefined;
}

/** per resource index: why its items are rejected (an over-long resource attribute key), or undefined */
function badResources(resources: DecodedResource[], max: number, what: string): (string | undefined)[] {
  const seen = new Map<Attributes, string | undefined>();
  return resources.map((res) => {
    if (!seen.has(res.attributes)) {
      const why = overlongKey(res.attributes, max);
      seen.set(res.attributes, why === undefined ? undefined : `resource ${why}: its ${what} are rejected`);
    }
    return seen.get(res.attributes);
  });
}

/** Rejects (in place, counted with a reason) spans with an attribute key over maxAttributeKeyBytes, theirs, their events' or their resource's. */
export function rejectOverlongKeySpans(batch: DecodedTraceBatch, limits: OtlpLimits): void {
  const max = limits.maxAttributeKeyBytes;
  const resources = badResources(batch.resources, max, 'spans');
  batch.spans = rejectWhere(batch.spans, batch, (s) => {
    const res = resources[s.resource];
    if (res !== undefined) return res;
    const own = overlongKey(s.attributes, max);
    if (own !== undefined) return `span ${s.spanId}: ${own}`;
    for (const ev of s.events) {
      const why = overlongKey(ev.attributes, max);
      if (why !== undefined) return `span ${s.spanId}: event ${JSON.stringify(ev.name)}: ${why}`;
    }
    return undefined;
  });
}

/** Rejects (in place, counted with a reason) log records with an attribute key over maxAttributeKeyBytes, theirs or their resource's (bodies are not attributes). */
export function rejectOverlongKeyLogs(batch: DecodedLogBatch, limits: OtlpLimits): void {
  const max = limits.maxAttributeKeyBytes;
  const resources = badResources(batch.resources, max, 'log records');
  batch.records = rejectWhere(batch.records, batch, (r) => {
    const res = resources[r.resource];
    if (res !== undefined) return res;
    const own = overlongKey(r.attributes, max);
    return own === undefined ? undefined : `log record: ${own}`;
  });
}

/** the warning for partial_success.error_message, or '' when no limit applied */
export function describeLimitReport(r: LimitReport, limits: OtlpLimits): string {
  const parts: string[] = [];
  if (r.droppedAttributes > 0)
    parts.push(
      `${r.droppedAttributes} attributes dropped on ${r.itemsWithDroppedAttributes} items over the limit of ${limits.maxAttributesPerItem} attributes per item`
    );
  if (r.truncatedValues > 0)
    parts.push(
      `${r.truncatedValues} attribute values truncated to the limit of ${limits.maxAttributeValueBytes} bytes`
    );
  return parts.join('; ');
}

/** the 413 message when a request carries too many items, or undefined when it is within the limit */
export function itemCountError(signal: 'traces' | 'logs', count: number, limits: OtlpLimits): string | undefined {
  const max = signal === 'traces' ? limits.maxSpansPerRequest : limits.maxLogRecordsPerRequest;
  if (count <= max) return undefined;
  const what = signal === 'traces' ? 'spans' : 'log records';
  return `request has ${count} ${what}, over the limit of ${max} ${what} per request: send smaller batches`;
}
