import type { AttributeValue } from '../../common/api';
import { MAX_ERRORS, OtlpDecodeError } from './errors';
import { MAX_ANY_VALUE_DEPTH } from './limits';
import { isZeroHex, jsonIdToHex } from './ids';
import type {
  Attributes,
  DecodedEvent,
  DecodedLogBatch,
  DecodedLogRecord,
  DecodedResource,
  DecodedSpan,
  DecodedTraceBatch,
} from './types';

/*
 * OTLP/JSON decoder (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): the
 * proto3 JSON mapping with OTLP's deviations. Tolerant where real senders differ:
 * - field names lowerCamelCase or the proto's snake_case;
 * - trace/span ids as hex (OTLP) or base64 (proto3 bytes mapping; Kong Enterprise);
 * - int64/uint64 as decimal strings or JSON numbers; doubles as numbers or strings
 *   ("NaN", "Infinity" too); enums as integers or their names.
 * A problem inside one span/log record rejects that item only (counted, with a reason);
 * a body that is not JSON or whose envelope is not the OTLP shape is an OtlpDecodeError.
 */

type Obj = { [key: string]: unknown };

const MAX_DEPTH = MAX_ANY_VALUE_DEPTH;

/** value of a field by its lowerCamelCase name, falling back to the snake_case proto name */
function field(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined ? v : o[snake];
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** an optional repeated field: absent/null → [], otherwise must be an array */
function list(o: Obj, camel: string, snake: string, what: string): unknown[] {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what} must be an array, got ${typeOf(v)}`);
  return v;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function optString(o: Obj, camel: string, snake: string, what: string): string {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new Error(`${what} must be a string, got ${typeOf(v)}`);
  return v;
}

const UINT64_MAX = (1n << 64n) - 1n;
const DIGITS = /^\d+$/;
const INT = /^-?\d+$/;

/** fixed64/uint64 nanoseconds: decimal string (exact) or a JSON integer */
function uint64(v: unknown, what: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'string' && DIGITS.test(v)) {
    const n = BigInt(v);
    if (n <= UINT64_MAX) return n;
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) {
    // a JSON number may be far beyond 64 bits (1e308 is an "integer" to JS)
    const n = BigInt(v);
    if (n <= UINT64_MAX) return n;
  }
  throw new Error(`${what} must be an unsigned 64-bit integer (string or number), got ${JSON.stringify(v)}`);
}

function int64(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && INT.test(v)) return Number(v);
  throw new Error(`${what} must be an integer (string or number), got ${JSON.stringify(v)}`);
}

function double(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (v.trim() !== '') {
      const n = Number(v);
      if (!Number.isNaN(n)) return n;
    }
  }
  throw new Error(`${what} must be a number, got ${JSON.stringify(v)}`);
}

/** enum as an integer or by name; `names` maps the proto names */
function enumValue(v: unknown, names: Record<string, number>, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const n = names[v];
    if (n !== undefined) return n;
    if (INT.test(v)) return Number(v);
  }
  throw new Error(`${what} must be an enum number or name, got ${JSON.stringify(v)}`);
}

export const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
export const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
export const SEVERITIES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((level, i) => {
  SEVERITIES[`SEVERITY_NUMBER_${level}`] = i * 4 + 1;
  for (let k = 2; k <= 4; k++) SEVERITIES[`SEVERITY_NUMBER_${level}${k}`] = i * 4 + k;
});

const B64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function anyValue(v: unknown, what: string, depth: number): AttributeValue {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw new Error(`${what} must be an AnyValue object, got ${typeOf(v)}`);
  if (depth > MAX_DEPTH) throw new Error(`${what} nests deeper than ${MAX_DEPTH}`);
  let x = field(v, 'stringValue', 'string_value');
  if (x !== undefined) {
    if (typeof x !== 'string') throw new Error(`${what}.stringValue must be a string, got ${typeOf(x)}`);
    return x;
  }
  x = field(v, 'boolValue', 'bool_value');
  if (x !== undefined) {
    if (typeof x !== 'boolean') throw new Error(`${what}.boolValue must be a boolean, got ${typeOf(x)}`);
    return x;
  }
  x = field(v, 'intValue', 'int_value');
  if (x !== undefined) return int64(x, `${what}.intValue`);
  x = field(v, 'doubleValue', 'double_value');
  if (x !== undefined) return double(x, `${what}.doubleValue`);
  x = field(v, 'arrayValue', 'array_value');
  if (x !== undefined) {
    if (!isObj(x)) throw new Error(`${what}.arrayValue must be an object, got ${typeOf(x)}`);
    const values = list(x, 'values', 'values', `${what}.arrayValue.values`);
    const out: AttributeValue[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = anyValue(values[i], `${what}.arrayValue.values[${i}]`, depth + 1);
    return out;
  }
  x = field(v, 'kvlistValue', 'kvlist_value');
  if (x !== undefined) {
    if (!isObj(x)) throw new Error(`${what}.kvlistValue must be an object, got ${typeOf(x)}`);
    const out: { [key: string]: AttributeValue } = {};
    keyValues(list(x, 'values', 'values', `${what}.kvlistValue.values`), out, `${what}.kvlistValue.values`, depth + 1);
    return out;
  }
  x = field(v, 'bytesValue', 'bytes_value');
  if (x !== undefined) {
    if (typeof x !== 'string' || !B64.test(x)) throw new Error(`${what}.bytesValue must be a base64 string`);
    return Buffer.from(x, 'base64').toString('base64');
  }
  return null; // {} — an empty AnyValue
}

function keyValues(items: unknown[], into: { [key: string]: AttributeValue }, what: string, depth: number): void {
  for (let i = 0; i < items.length; i++) {
    const kv = items[i];
    if (!isObj(kv)) throw new Error(`${what}[${i}] must be a KeyValue object, got ${typeOf(kv)}`);
    const key = kv.key;
    if (typeof key !== 'string') throw new Error(`${what}[${i}].key must be a string, got ${typeOf(key)}`);
    into[key] = anyValue(kv.value, `${what}[${i}] (${JSON.stringify(key)}).value`, depth);
  }
}

function attributes(o: Obj, what: string): Attributes {
  const attrs: Attributes = {};
  keyValues(list(o, 'attributes', 'attributes', `${what}.attributes`), attrs, `${what}.attributes`, 0);
  return attrs;
}

function decodeSpan(s: unknown, resource: number): DecodedSpan {
  if (!isObj(s)) throw new Error(`must be an object, got ${typeOf(s)}`);
  const traceId = jsonIdToHex(field(s, 'traceId', 'trace_id'), 16, 'traceId');
  if (traceId === '' || isZeroHex(traceId)) throw new Error('traceId is missing or all zero');
  const spanId = jsonIdToHex(field(s, 'spanId', 'span_id'), 8, 'spanId');
  if (spanId === '' || isZeroHex(spanId)) throw new Error('spanId is missing or all zero');
  const parent = jsonIdToHex(field(s, 'parentSpanId', 'parent_span_id'), 8, 'parentSpanId');
  const events: DecodedEvent[] = [];
  const rawEvents = list(s, 'events', 'events', 'events');
  for (let i = 0; i < rawEvents.length; i++) {
    const e = rawEvents[i];
    if (!isObj(e)) throw new Error(`events[${i}] must be an object, got ${typeOf(e)}`);
    events.push({
      name: optString(e, 'name', 'name', `events[${i}].name`),
      timeNs: uint64(field(e, 'timeUnixNano', 'time_unix_nano'), `events[${i}].timeUnixNano`),
      attributes: attributes(e, `events[${i}]`),
    });
  }
  const span: DecodedSpan = {
    traceId,
    spanId,
    parentSpanId: isZeroHex(parent) ? '' : parent,
    name: optString(s, 'name', 'name', 'name'),
    kind: enumValue(s.kind, SPAN_KINDS, 'kind'),
    startNs: uint64(field(s, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano'),
    endNs: uint64(field(s, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano'),
    attributes: attributes(s, 'span'),
    events,
    statusCode: 0,
    resource,
  };
  const status = s.status;
  if (status !== undefined && status !== null) {
    if (!isObj(status)) throw new Error(`status must be an object, got ${typeOf(status)}`);
    span.statusCode = enumValue(status.code, STATUS_CODES, 'status.code');
    const msg = optString(status, 'message', 'message', 'status.message');
    if (msg !== '') span.statusMessage = msg;
  }
  return span;
}

function decodeLogRecord(l: unknown, resource: number): DecodedLogRecord {
  if (!isObj(l)) throw new Error(`must be an object, got ${typeOf(l)}`);
  let timeNs = uint64(field(l, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano');
  const observed = uint64(field(l, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano');
  if (timeNs === 0n) timeNs = observed;
  const rec: DecodedLogRecord = {
    timeNs,
    severityNumber: enumValue(field(l, 'severityNumber', 'severity_number'), SEVERITIES, 'severityNumber'),
    body: anyValue(l.body, 'body', 0),
    attributes: attributes(l, 'logRecord'),
    resource,
  };
  const text = optString(l, 'severityText', 'severity_text', 'severityText');
  if (text !== '') rec.severityText = text;
  const traceId = jsonIdToHex(field(l, 'traceId', 'trace_id'), 16, 'traceId');
  if (traceId !== '' && !isZeroHex(traceId)) rec.traceId = traceId;
  const spanId = jsonIdToHex(field(l, 'spanId', 'span_id'), 8, 'spanId');
  if (spanId !== '' && !isZeroHex(spanId)) rec.spanId = spanId;
  return rec;
}

interface Names {
  resourceItems: [string, string];
  scopeItems: [string, string];
  items: [string, string];
}

interface Collector<T> {
  resources: DecodedResource[];
  items: T[];
  rejected: number;
  errors: string[];
}

function reject(out: { rejected: number; errors: string[] }, count: number, reason: string): void {
  out.rejected += count;
  if (out.errors.length < MAX_ERRORS) out.errors.push(reason);
}

function parse(body: Uint8Array | string): unknown {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new OtlpDecodeError(`invalid JSON: ${(e as Error).message}`);
  }
}

/** the shared ResourceX → ScopeX → item walk */
function walk<T>(doc: unknown, names: Names, decodeItem: (v: unknown, resource: number) => T, out: Collector<T>): void {
  if (!isObj(doc)) throw new OtlpDecodeError(`OTLP/JSON request must be an object, got ${typeOf(doc)}`);
  const [resCamel, resSnake] = names.resourceItems;
  const [scopeCamel, scopeSnake] = names.scopeItems;
  const [itemCamel, itemSnake] = names.items;
  let resources: unknown[];
  try {
    resources = list(doc, resCamel, resSnake, resCamel);
  } catch (e) {
    throw new OtlpDecodeError((e as Error).message);
  }
  for (let ri = 0; ri < resources.length; ri++) {
    const rs = resources[ri];
    const rWhere = `${resCamel}[${ri}]`;
    if (!isObj(rs)) throw new OtlpDecodeError(`${rWhere} must be an object, got ${typeOf(rs)}`);
    let scopes: unknown[];
    try {
      scopes = list(rs, scopeCamel, scopeSnake, `${rWhere}.${scopeCamel}`);
    } catch (e) {
      throw new OtlpDecodeError((e as Error).message);
    }
    let attrs: Attributes | undefined;
    let resourceError = '';
    try {
      const res = rs.resource;
      if (res !== undefined && res !== null && !isObj(res)) throw new Error(`must be an object, got ${typeOf(res)}`);
      attrs = res ? attributes(res, 'resource') : {};
    } catch (e) {
      resourceError = `${rWhere}.resource: ${(e as Error).message}`;
    }
    for (let si = 0; si < scopes.length; si++) {
      const ss = scopes[si];
      const sWhere = `${rWhere}.${scopeCamel}[${si}]`;
      if (!isObj(ss)) throw new OtlpDecodeError(`${sWhere} must be an object, got ${typeOf(ss)}`);
      let items: unknown[];
      try {
        items = list(ss, itemCamel, itemSnake, `${sWhere}.${itemCamel}`);
      } catch (e) {
        throw new OtlpDecodeError((e as Error).message);
      }
      // a resource or scope we cannot read makes its items unattributable: reject them, keep the rest
      let scopeError = resourceError;
      const res: DecodedResource = { attributes: attrs ?? {} };
      if (scopeError === '') {
        try {
          const scope = ss.scope;
          if (scope !== undefined && scope !== null) {
            if (!isObj(scope)) throw new Error(`must be an object, got ${typeOf(scope)}`);
            const name = optString(scope, 'name', 'name', 'name');
            const version = optString(scope, 'version', 'version', 'version');
            if (name !== '') res.scopeName = name;
            if (version !== '') res.scopeVersion = version;
          }
        } catch (e) {
          scopeError = `${sWhere}.scope: ${(e as Error).message}`;
        }
      }
      if (scopeError !== '') {
        if (items.length > 0) reject(out, items.length, `${scopeError} (${items.length} ${itemCamel} rejected)`);
        continue;
      }
      const resIndex = out.resources.push(res) - 1;
      for (let i = 0; i < items.length; i++) {
        try {
          out.items.push(decodeItem(items[i], resIndex));
        } catch (e) {
          reject(out, 1, `${sWhere}.${itemCamel}[${i}]: ${(e as Error).message}`);
        }
      }
    }
  }
}

const TRACE_NAMES: Names = {
  resourceItems: ['resourceSpans', 'resource_spans'],
  scopeItems: ['scopeSpans', 'scope_spans'],
  items: ['spans', 'spans'],
};
const LOG_NAMES: Names = {
  resourceItems: ['resourceLogs', 'resource_logs'],
  scopeItems: ['scopeLogs', 'scope_logs'],
  items: ['logRecords', 'log_records'],
};

/** Decodes an OTLP/JSON ExportTraceServiceRequest, given as bytes/text or already parsed. */
export function decodeTracesJson(body: Uint8Array | string | object): DecodedTraceBatch {
  const doc = typeof body === 'string' || body instanceof Uint8Array ? parse(body) : body;
  const out: Collector<DecodedSpan> = { resources: [], items: [], rejected: 0, errors: [] };
  walk(doc, TRACE_NAMES, decodeSpan, out);
  return { resources: out.resources, spans: out.items, rejected: out.rejected, errors: out.errors };
}

/** Decodes an OTLP/JSON ExportLogsServiceRequest, given as bytes/text or already parsed. */
export function decodeLogsJson(body: Uint8Array | string | object): DecodedLogBatch {
  const doc = typeof body === 'string' || body instanceof Uint8Array ? parse(body) : body;
  const out: Collector<DecodedLogRecord> = { resources: [], items: [], rejected: 0, errors: [] };
  walk(doc, LOG_NAMES, decodeLogRecord, out);
  return { resources: out.resources, records: out.items, rejected: out.rejected, errors: out.errors };
}
