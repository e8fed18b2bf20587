import { Reader } from 'protobufjs/minimal';
import type { AttributeValue } from '../../common/api';
import { MAX_ERRORS, OtlpDecodeError } from './errors';
import { MAX_ANY_VALUE_DEPTH } from './limits';
import { bytesToHex, isAllZero } from './ids';
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
 * Hand-written decoders for OTLP protobuf (opentelemetry-proto v1). Generic reflection
 * (protobufjs Type.decode) allocates a Long per fixed64 and an intermediate object tree; we
 * read straight into the ingest types instead. Field numbers used (from
 * opentelemetry/proto/{collector/*,trace/v1,logs/v1,common/v1,resource/v1}/*.proto):
 */
// ExportTraceServiceRequest / ExportLogsServiceRequest
const REQ_RESOURCE_ITEMS = 1; // resource_spans | resource_logs (repeated)
// ResourceSpans / ResourceLogs
const RES_RESOURCE = 1; // Resource resource
const RES_SCOPE_ITEMS = 2; // scope_spans | scope_logs (repeated)
// Resource
const RESOURCE_ATTRIBUTES = 1; // repeated KeyValue
// ScopeSpans / ScopeLogs
const SCOPE_SCOPE = 1; // InstrumentationScope scope
const SCOPE_ITEMS = 2; // spans | log_records (repeated)
// InstrumentationScope
const IS_NAME = 1;
const IS_VERSION = 2;
// Span
const SPAN_TRACE_ID = 1; // bytes(16)
const SPAN_SPAN_ID = 2; // bytes(8)
const SPAN_PARENT_SPAN_ID = 4; // bytes(8) or empty
const SPAN_NAME = 5;
const SPAN_KIND = 6; // enum
const SPAN_START = 7; // fixed64
const SPAN_END = 8; // fixed64
const SPAN_ATTRIBUTES = 9; // repeated KeyValue
const SPAN_EVENTS = 11; // repeated Span.Event
const SPAN_STATUS = 15; // Status
// Span.Event
const EVENT_TIME = 1; // fixed64
const EVENT_NAME = 2;
const EVENT_ATTRIBUTES = 3;
// Status
const STATUS_MESSAGE = 2;
const STATUS_CODE = 3; // enum
// LogRecord
const LOG_TIME = 1; // fixed64
const LOG_SEVERITY_NUMBER = 2; // enum
const LOG_SEVERITY_TEXT = 3;
const LOG_BODY = 5; // AnyValue
const LOG_ATTRIBUTES = 6;
const LOG_TRACE_ID = 9; // bytes(16) or empty
const LOG_SPAN_ID = 10; // bytes(8) or empty
const LOG_OBSERVED_TIME = 11; // fixed64
// KeyValue
const KV_KEY = 1;
const KV_VALUE = 2;
// AnyValue (oneof)
const AV_STRING = 1;
const AV_BOOL = 2;
const AV_INT = 3; // int64
const AV_DOUBLE = 4;
const AV_ARRAY = 5; // ArrayValue { repeated AnyValue values = 1 }
const AV_KVLIST = 6; // KeyValueList { repeated KeyValue values = 1 }
const AV_BYTES = 7;
const LIST_VALUES = 1;

// wire types
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** nesting limit for AnyValue arrays/kvlists: a hostile body must not blow the stack */
const MAX_DEPTH = MAX_ANY_VALUE_DEPTH;

function fail(what: string, pos: number, detail: string): never {
  throw new OtlpDecodeError(`malformed protobuf: ${what} at byte ${pos}: ${detail}`);
}

/**
 * Well-formed protobuf whose content we refuse (an AnyValue nested too deep): the enclosing span or
 * log record is length-delimited, so the decoder skips just that item and rejects it with this
 * reason, as the JSON decoder does; the rest of the batch is kept.
 */
class ItemError extends Error {}

function toBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** reads a tag; returns it, or fails when it is not a valid tag */
function readTag(r: Reader, end: number, what: string): number {
  const at = r.pos;
  const tag = r.uint32();
  if (r.pos > end) fail(what, at, 'field tag runs past the end of the message');
  if (tag >>> 3 === 0) fail(what, at, 'field number 0 is invalid');
  return tag;
}

function expectWire(tag: number, wire: number, what: string, at: number): void {
  if ((tag & 7) !== wire) fail(what, at, `field ${tag >>> 3} has wire type ${tag & 7}, expected ${wire}`);
}

/** reads a length prefix and returns the end offset of the delimited bytes */
function readLen(r: Reader, end: number, what: string): number {
  const at = r.pos;
  const len = r.uint32();
  const e = r.pos + len;
  if (e > end) fail(what, at, `length ${len} runs past the end of the ${end === r.len ? 'body' : 'enclosing message'} (${end - r.pos} bytes left)`);
  return e;
}

function skipField(r: Reader, tag: number, end: number, what: string): void {
  const at = r.pos;
  const wire = tag & 7;
  if (wire === LEN) {
    r.pos = readLen(r, end, what);
    return;
  }
  if (wire === I64 || wire === I32) {
    const n = wire === I64 ? 8 : 4;
    if (r.pos + n > end) fail(what, at, `unknown field ${tag >>> 3} truncated`);
    r.pos += n;
    return;
  }
  if (wire !== VARINT && wire !== 3) fail(what, at, `unknown field ${tag >>> 3} has invalid wire type ${wire}`);
  try {
    r.skipType(wire);
  } catch (e) {
    fail(what, at, `unknown field ${tag >>> 3}: ${(e as Error).message}`);
  }
  if (r.pos > end) fail(what, at, `unknown field ${tag >>> 3} runs past the end of the message`);
}

function readString(r: Reader, end: number, what: string): string {
  const e = readLen(r, end, what);
  const s = (r.buf as Buffer).toString('utf8', r.pos, e);
  r.pos = e;
  return s;
}

function readVarint32(r: Reader, end: number, what: string): number {
  const at = r.pos;
  const v = r.uint32();
  if (r.pos > end) fail(what, at, 'varint runs past the end of the message');
  return v;
}

/** int64 varint → number (two's complement; precision beyond 2^53 is lost, by contract) */
function readInt64(r: Reader, end: number, what: string): number {
  const buf = r.buf;
  const at = r.pos;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  let b = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) fail(what, at, 'truncated varint');
    b = buf[pos++];
    if (i < 4) lo |= (b & 127) << (7 * i);
    else if (i === 4) {
      lo |= (b & 127) << 28;
      hi = (b & 127) >>> 4;
    } else hi |= (b & 127) << (7 * i - 32);
    if (b < 128) {
      r.pos = pos;
      return (hi | 0) * 4294967296 + (lo >>> 0);
    }
  }
  fail(what, at, 'varint longer than 10 bytes');
}

function readFixed64(r: Reader, end: number, what: string): bigint {
  if (r.pos + 8 > end) fail(what, r.pos, 'truncated fixed64');
  const v = (r.buf as Buffer).readBigUInt64LE(r.pos);
  r.pos += 8;
  return v;
}

function readDouble(r: Reader, end: number, what: string): number {
  if (r.pos + 8 > end) fail(what, r.pos, 'truncated double');
  const v = (r.buf as Buffer).readDoubleLE(r.pos);
  r.pos += 8;
  return v;
}

function checkEnd(r: Reader, end: number, what: string): void {
  if (r.pos !== end) fail(what, r.pos, `message overruns its length by ${r.pos - end} bytes`);
}

function readAnyValue(r: Reader, end: number, depth: number): AttributeValue {
  if (depth > MAX_DEPTH) throw new ItemError(`AnyValue at byte ${r.pos} nests deeper than ${MAX_DEPTH}`);
  let value: AttributeValue = null; // an empty AnyValue (e.g. Kong's body-less telemetry log)
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end, 'AnyValue');
    switch (tag >>> 3) {
      case AV_STRING:
        expectWire(tag, LEN, 'AnyValue.string_value', at);
        value = readString(r, end, 'AnyValue.string_value');
        break;
      case AV_BOOL:
        expectWire(tag, VARINT, 'AnyValue.bool_value', at);
        value = readVarint32(r, end, 'AnyValue.bool_value') !== 0;
        break;
      case AV_INT:
        expectWire(tag, VARINT, 'AnyValue.int_value', at);
        value = readInt64(r, end, 'AnyValue.int_value');
        break;
      case AV_DOUBLE:
        expectWire(tag, I64, 'AnyValue.double_value', at);
        value = readDouble(r, end, 'AnyValue.double_value');
        break;
      case AV_ARRAY: {
        expectWire(tag, LEN, 'AnyValue.array_value', at);
        const e = readLen(r, end, 'AnyValue.array_value');
        const arr: AttributeValue[] = [];
        while (r.pos < e) {
          const at2 = r.pos;
          const t2 = readTag(r, e, 'ArrayValue');
          if (t2 >>> 3 === LIST_VALUES) {
            expectWire(t2, LEN, 'ArrayValue.values', at2);
            const e2 = readLen(r, e, 'ArrayValue.values');
            arr.push(readAnyValue(r, e2, depth + 1));
            checkEnd(r, e2, 'ArrayValue.values');
          } else skipField(r, t2, e, 'ArrayValue');
        }
        checkEnd(r, e, 'AnyValue.array_value');
        value = arr;
        break;
      }
      case AV_KVLIST: {
        expectWire(tag, LEN, 'AnyValue.kvlist_value', at);
        const e = readLen(r, end, 'AnyValue.kvlist_value');
        const obj: { [key: string]: AttributeValue } = {};
        while (r.pos < e) {
          const at2 = r.pos;
          const t2 = readTag(r, e, 'KeyValueList');
          if (t2 >>> 3 === LIST_VALUES) {
            expectWire(t2, LEN, 'KeyValueList.values', at2);
            readKeyValue(r, readLen(r, e, 'KeyValueList.values'), obj, depth + 1);
          } else skipField(r, t2, e, 'KeyValueList');
        }
        checkEnd(r, e, 'AnyValue.kvlist_value');
        value = obj;
        break;
      }
      case AV_BYTES: {
        expectWire(tag, LEN, 'AnyValue.bytes_value', at);
        const e = readLen(r, end, 'AnyValue.bytes_value');
        value = (r.buf as Buffer).toString('base64', r.pos, e);
        r.pos = e;
        break;
      }
      default:
        skipField(r, tag, end, 'AnyValue');
    }
  }
  checkEnd(r, end, 'AnyValue');
  return value;
}

/** reads one KeyValue message ending at `end` into `into` (a later duplicate key wins) */
function readKeyValue(r: Reader, end: number, into: { [key: string]: AttributeValue }, depth: number): void {
  let key = '';
  let value: AttributeValue = null;
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end, 'KeyValue');
    const field = tag >>> 3;
    if (field === KV_KEY) {
      expectWire(tag, LEN, 'KeyValue.key', at);
      key = readString(r, end, 'KeyValue.key');
    } else if (field === KV_VALUE) {
      expectWire(tag, LEN, 'KeyValue.value', at);
      const e = readLen(r, end, 'KeyValue.value');
      try {
        value = readAnyValue(r, e, depth);
      } catch (err) {
        // the top-level key names the attribute (nested keys would only repeat the path)
        if (err instanceof ItemError && depth === 0 && key !== '') throw new ItemError(`${JSON.stringify(key)}: ${err.message}`);
        throw err;
      }
    } else skipField(r, tag, end, 'KeyValue');
  }
  checkEnd(r, end, 'KeyValue');
  into[key] = value;
}

function readAttribute(r: Reader, tag: number, end: number, at: number, into: Attributes, what: string): void {
  expectWire(tag, LEN, what, at);
  const e = readLen(r, end, what);
  try {
    readKeyValue(r, e, into, 0);
  } catch (err) {
    if (err instanceof ItemError) throw new ItemError(`${what}: ${err.message}`);
    throw err;
  }
}

function readLogBody(r: Reader, end: number): AttributeValue {
  try {
    return readAnyValue(r, end, 0);
  } catch (err) {
    if (err instanceof ItemError) throw new ItemError(`LogRecord.body: ${err.message}`);
    throw err;
  }
}

function readResourceAttributes(r: Reader, end: number): Attributes {
  const attrs: Attributes = {};
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end, 'Resource');
    if (tag >>> 3 === RESOURCE_ATTRIBUTES) readAttribute(r, tag, end, at, attrs, 'Resource.attributes');
    else skipField(r, tag, end, 'Resource');
  }
  checkEnd(r, end, 'Resource');
  return attrs;
}

function readScope(r: Reader, end: number, into: DecodedResource): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end, 'InstrumentationScope');
    const field = tag >>> 3;
    if (field === IS_NAME) {
      expectWire(tag, LEN, 'InstrumentationScope.name', at);
      into.scopeName = readString(r, end, 'InstrumentationScope.name');
    } else if (field === IS_VERSION) {
      expectWire(tag, LEN, 'InstrumentationScope.version', at);
      into.scopeVersion = readString(r, end, 'InstrumentationScope.version');
    } else skipField(r, tag, end, 'InstrumentationScope');
  }
  checkEnd(r, end, 'InstrumentationScope');
}

/** where an id sits in the buffer; -1 start = absent */
interface IdRef {
  start: number;
  end: number;
}

function readIdRef(r: Reader, tag: number, end: number, at: number, what: string, ref: IdRef): void {
  expectWire(tag, LEN, what, at);
  const e = readLen(r, end, what);
  ref.start = r.pos;
  ref.end = e;
  r.pos = e;
}

/* Per-item validation: a wrong-length or all-zero id rejects that span/record only. */
interface Rejections {
  rejected: number;
  errors: string[];
}

function reject(batch: Rejections, reason: string, count = 1): void {
  batch.rejected += count;
  if (batch.errors.length < MAX_ERRORS) batch.errors.push(reason);
}

function readEvent(r: Reader, end: number): DecodedEvent {
  const ev: DecodedEvent = { name: '', timeNs: 0n, attributes: {} };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end, 'Span.Event');
    switch (tag >>> 3) {
      case EVENT_TIME:
        expectWire(tag, I64, 'Span.Event.time_unix_nano', at);
        ev.timeNs = readFixed64(r, end, 'Span.Event.time_unix_nano');
        break;
      case EVENT_NAME:
        expectWire(tag, LEN, 'Span.Event.name', at);
        ev.name = readString(r, end, 'Span.Event.name');
        break;
      case EVENT_ATTRIBUTES:
        readAttribute(r, tag, end, at, ev.attributes, 'Span.Event.attributes');
        break;
      default:
        skipField(r, tag, end, 'Span.Event');
    }
  }
  checkEnd(r, end, 'Span.Event');
  return ev;
}

function readStatus(r: Reader, end: number, span: DecodedSpan): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end, 'Status');
    const field = tag >>> 3;
    if (field === STATUS_CODE) {
      expectWire(tag, VARINT, 'Status.code', at);
      span.statusCode = readVarint32(r, end, 'Status.code') | 0;
    } else if (field === STATUS_MESSAGE) {
      expectWire(tag, LEN, 'Status.message', at);
      const m = readString(r, end, 'Status.message');
      if (m !== '') span.statusMessage = m;
    } else skipField(r, tag, end, 'Status');
  }
  checkEnd(r, end, 'Status');
}

const traceRef: IdRef = { start: -1, end: -1 };
const spanRef: IdRef = { start: -1, end: -1 };
const parentRef: IdRef = { start: -1, end: -1 };

/**
 * The previous span's trace id, as bytes and as the string made of them. Exporters send a trace's spans together, so
 * consecutive spans share one string: built once, and compared and hashed downstream (grouping, decisions) by
 * identity instead of as a fresh string a span.
 */
const lastTraceBytes = new Uint8Array(16);
let lastTraceId = '';

/** lowercase hex of the 16-byte trace id at buf[start] */
function traceIdHex(buf: Uint8Array, start: number): string {
  let i = 0;
  if (lastTraceId !== '') while (i < 16 && buf[start + i] === lastTraceBytes[i]) i++;
  if (i === 16) return lastTraceId;
  for (let j = 0; j < 16; j++) lastTraceBytes[j] = buf[start + j];
  return (lastTraceId = bytesToHex(buf, start, start + 16));
}

/** decodes one Span; returns it, or a reason string when its ids are unusable */
function readSpan(r: Reader, end: number, resource: number): DecodedSpan | string {
  const span: DecodedSpan = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startNs: 0n,
    endNs: 0n,
    attributes: {},
    events: [],
    statusCode: 0,
    resource,
  };
  const spanStart = r.pos;
  traceRef.start = spanRef.start = parentRef.start = -1;
  try {
    while (r.pos < end) {
      const at = r.pos;
      const tag = readTag(r, end, 'Span');
      switch (tag >>> 3) {
        case SPAN_TRACE_ID:
          readIdRef(r, tag, end, at, 'Span.trace_id', traceRef);
          break;
        case SPAN_SPAN_ID:
          readIdRef(r, tag, end, at, 'Span.span_id', spanRef);
          break;
        case SPAN_PARENT_SPAN_ID:
          readIdRef(r, tag, end, at, 'Span.parent_span_id', parentRef);
          break;
        case SPAN_NAME:
          expectWire(tag, LEN, 'Span.name', at);
          span.name = readString(r, end, 'Span.name');
          break;
        case SPAN_KIND:
          expectWire(tag, VARINT, 'Span.kind', at);
          span.kind = readVarint32(r, end, 'Span.kind') | 0;
          break;
        case SPAN_START:
          expectWire(tag, I64, 'Span.start_time_unix_nano', at);
          span.startNs = readFixed64(r, end, 'Span.start_time_unix_nano');
          break;
        case SPAN_END:
          expectWire(tag, I64, 'Span.end_time_unix_nano', at);
          span.endNs = readFixed64(r, end, 'Span.end_time_unix_nano');
          break;
        case SPAN_ATTRIBUTES:
          readAttribute(r, tag, end, at, span.attributes, 'Span.attributes');
          break;
        case SPAN_EVENTS:
          expectWire(tag, LEN, 'Span.events', at);
          span.events.push(readEvent(r, readLen(r, end, 'Span.events')));
          break;
        case SPAN_STATUS:
          expectWire(tag, LEN, 'Span.status', at);
          readStatus(r, readLen(r, end, 'Span.status'), span);
          break;
        default:
          skipField(r, tag, end, 'Span');
      }
    }
    checkEnd(r, end, 'Span');
  } catch (e) {
    if (!(e instanceof ItemError)) throw e;
    r.pos = end;
    return `span ${JSON.stringify(span.name)} at byte ${spanStart}: ${e.message}`;
  }
  const buf = r.buf;
  const where = `span ${JSON.stringify(span.name)} at byte ${spanStart}`;
  if (traceRef.start < 0 || traceRef.end - traceRef.start !== 16)
    return `${where}: trace_id must be 16 bytes, got ${traceRef.start < 0 ? 0 : traceRef.end - traceRef.start}`;
  if (isAllZero(buf, traceRef.start, traceRef.end)) return `${where}: trace_id is all zero`;
  if (spanRef.start < 0 || spanRef.end - spanRef.start !== 8)
    return `${where}: span_id must be 8 bytes, got ${spanRef.start < 0 ? 0 : spanRef.end - spanRef.start}`;
  if (isAllZero(buf, spanRef.start, spanRef.end)) return `${where}: span_id is all zero`;
  span.traceId = traceIdHex(buf, traceRef.start);
  span.spanId = bytesToHex(buf, spanRef.start, spanRef.end);
  if (parentRef.start >= 0 && parentRef.end !== parentRef.start) {
    if (parentRef.end - parentRef.start !== 8)
      return `${where}: parent_span_id must be 0 or 8 bytes, got ${parentRef.end - parentRef.start}`;
    if (!isAllZero(buf, parentRef.start, parentRef.end)) span.parentSpanId = bytesToHex(buf, parentRef.start, parentRef.end);
  }
  return span;
}

function readLogRecord(r: Reader, end: number, resource: number): DecodedLogRecord | string {
  const rec: DecodedLogRecord = { timeNs: 0n, severityNumber: 0, body: null, attributes: {}, resource };
  let observed = 0n;
  const recStart = r.pos;
  traceRef.start = spanRef.start = -1;
  try {
    while (r.pos < end) {
      const at = r.pos;
      const tag = readTag(r, end, 'LogRecord');
      switch (tag >>> 3) {
        case LOG_TIME:
          expectWire(tag, I64, 'LogRecord.time_unix_nano', at);
          rec.timeNs = readFixed64(r, end, 'LogRecord.time_unix_nano');
          break;
        case LOG_OBSERVED_TIME:
          expectWire(tag, I64, 'LogRecord.observed_time_unix_nano', at);
          observed = readFixed64(r, end, 'LogRecord.observed_time_unix_nano');
          break;
        case LOG_SEVERITY_NUMBER:
          expectWire(tag, VARINT, 'LogRecord.severity_number', at);
          rec.severityNumber = readVarint32(r, end, 'LogRecord.severity_number') | 0;
          break;
        case LOG_SEVERITY_TEXT: {
          expectWire(tag, LEN, 'LogRecord.severity_text', at);
          const t = readString(r, end, 'LogRecord.severity_text');
          if (t !== '') rec.severityText = t;
          break;
        }
        case LOG_BODY:
          expectWire(tag, LEN, 'LogRecord.body', at);
          rec.body = readLogBody(r, readLen(r, end, 'LogRecord.body'));
          break;
        case LOG_ATTRIBUTES:
          readAttribute(r, tag, end, at, rec.attributes, 'LogRecord.attributes');
          break;
        case LOG_TRACE_ID:
          readIdRef(r, tag, end, at, 'LogRecord.trace_id', traceRef);
          break;
        case LOG_SPAN_ID:
          readIdRef(r, tag, end, at, 'LogRecord.span_id', spanRef);
          break;
        default:
          skipField(r, tag, end, 'LogRecord');
      }
    }
    checkEnd(r, end, 'LogRecord');
  } catch (e) {
    if (!(e instanceof ItemError)) throw e;
    r.pos = end;
    return `log record at byte ${recStart}: ${e.message}`;
  }
  if (rec.timeNs === 0n) rec.timeNs = observed;
  const buf = r.buf;
  const where = `log record at byte ${recStart}`;
  if (traceRef.start >= 0 && traceRef.end !== traceRef.start) {
    if (traceRef.end - traceRef.start !== 16) return `${where}: trace_id must be 0 or 16 bytes, got ${traceRef.end - traceRef.start}`;
    if (!isAllZero(buf, traceRef.start, traceRef.end)) rec.traceId = bytesToHex(buf, traceRef.start, traceRef.end);
  }
  if (spanRef.start >= 0 && spanRef.end !== spanRef.start) {
    if (spanRef.end - spanRef.start !== 8) return `${where}: span_id must be 0 or 8 bytes, got ${spanRef.end - spanRef.start}`;
    if (!isAllZero(buf, spanRef.start, spanRef.end)) rec.spanId = bytesToHex(buf, spanRef.start, spanRef.end);
  }
  return rec;
}

type ItemReader<T> = (r: Reader, end: number, resource: number) => T | string;

interface Collector<T> extends Rejections {
  resources: DecodedResource[];
  items: T[];
}

/**
 * Shared walk of the ResourceX → ScopeX → item envelope, identical for traces and logs.
 * One DecodedResource is produced per scope; the resource's attribute object is shared by
 * its scopes. The resource message may follow its scopes on the wire, so attributes are
 * assigned once the ResourceX message is complete.
 */
function readRequest<T>(body: Uint8Array, names: [string, string, string], readItem: ItemReader<T>, out: Collector<T>): void {
  const [resName, scopeName, itemName] = names;
  const buf = toBuffer(body);
  const r = Reader.create(buf);
  const len = buf.length;
  try {
    while (r.pos < len) {
      const at = r.pos;
      const tag = readTag(r, len, 'request');
      if (tag >>> 3 !== REQ_RESOURCE_ITEMS) {
        skipField(r, tag, len, 'request');
        continue;
      }
      expectWire(tag, LEN, resName, at);
      const resEnd = readLen(r, len, resName);
      const firstResource = out.resources.length;
      const firstItem = out.items.length;
      const rejectedBefore = out.rejected;
      const errorsBefore = out.errors.length;
      let resourceError = '';
      let attrs: Attributes = {};
      while (r.pos < resEnd) {
        const at2 = r.pos;
        const t2 = readTag(r, resEnd, resName);
        const f2 = t2 >>> 3;
        if (f2 === RES_RESOURCE) {
          expectWire(t2, LEN, `${resName}.resource`, at2);
          const e = readLen(r, resEnd, `${resName}.resource`);
          try {
            attrs = readResourceAttributes(r, e);
          } catch (err) {
            if (!(err instanceof ItemError)) throw err;
            // its items cannot be attributed: rejected below, the other resources' items are kept
            resourceError = `${resName}.resource at byte ${at2}: ${err.message}`;
            r.pos = e;
          }
        } else if (f2 === RES_SCOPE_ITEMS) {
          expectWire(t2, LEN, scopeName, at2);
          const scopeEnd = readLen(r, resEnd, scopeName);
          const res: DecodedResource = { attributes: attrs };
          const resIndex = out.resources.push(res) - 1;
          while (r.pos < scopeEnd) {
            const at3 = r.pos;
            const t3 = readTag(r, scopeEnd, scopeName);
            const f3 = t3 >>> 3;
            if (f3 === SCOPE_SCOPE) {
              expectWire(t3, LEN, `${scopeName}.scope`, at3);
              readScope(r, readLen(r, scopeEnd, `${scopeName}.scope`), res);
            } else if (f3 === SCOPE_ITEMS) {
              expectWire(t3, LEN, itemName, at3);
              const item = readItem(r, readLen(r, scopeEnd, itemName), resIndex);
              if (typeof item === 'string') reject(out, item);
              else out.items.push(item);
            } else skipField(r, t3, scopeEnd, scopeName);
          }
          checkEnd(r, scopeEnd, scopeName);
        } else skipField(r, t2, resEnd, resName);
      }
      checkEnd(r, resEnd, resName);
      if (resourceError !== '') {
        // the resource may follow its scopes on the wire: drop what was read of them
        const n = out.items.length - firstItem + (out.rejected - rejectedBefore);
        out.items.length = firstItem;
        out.resources.length = firstResource;
        out.rejected = rejectedBefore;
        out.errors.length = errorsBefore;
        if (n > 0) reject(out, `${resourceError} (${n} ${itemName === 'Span' ? 'spans' : 'log records'} rejected)`, n);
        continue;
      }
      for (let i = firstResource; i < out.resources.length; i++) out.resources[i].attributes = attrs;
    }
  } catch (e) {
    if (e instanceof OtlpDecodeError) throw e;
    // protobufjs' own bounds errors (e.g. a varint running off the end of the body)
    throw new OtlpDecodeError(`malformed protobuf at byte ${r.pos}: ${(e as Error).message}`);
  }
}

/** Decodes an ExportTraceServiceRequest. Throws OtlpDecodeError when the bytes are malformed. */
export function decodeTracesProtobuf(body: Uint8Array): DecodedTraceBatch {
  const out: Collector<DecodedSpan> = { resources: [], items: [], rejected: 0, errors: [] };
  readRequest(body, ['ResourceSpans', 'ScopeSpans', 'Span'], readSpan, out);
  return { resources: out.resources, spans: out.items, rejected: out.rejected, errors: out.errors };
}

/** Decodes an ExportLogsServiceRequest. Throws OtlpDecodeError when the bytes are malformed. */
export function decodeLogsProtobuf(body: Uint8Array): DecodedLogBatch {
  const out: Collector<DecodedLogRecord> = { resources: [], items: [], rejected: 0, errors: [] };
  readRequest(body, ['ResourceLogs', 'ScopeLogs', 'LogRecord'], readLogRecord, out);
  return { resources: out.resources, records: out.items, rejected: out.rejected, errors: out.errors };
}
