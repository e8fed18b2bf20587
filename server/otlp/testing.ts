import { Writer } from 'protobufjs/minimal';
import { SEVERITIES, SPAN_KINDS, STATUS_CODES } from './decode-json';

/*
 * Test helper: OTLP/JSON (like /work/shared/fixtures/*.json) → OTLP protobuf bytes, so tests can
 * post fixtures the way Kong does. It walks the JSON itself (it does not reuse the JSON
 * decoder), so it can also cross-check the decoders. Deliberately lenient: ids are written as
 * whatever bytes they spell (hex of any even length, else base64) so tests can build bad ids.
 * Field numbers: see decode-protobuf.ts.
 */

type Obj = { [key: string]: any };

const LEN = 2;
const I64 = 1;
const VARINT = 0;

function f(o: Obj, camel: string, snake: string): any {
  return o[camel] !== undefined ? o[camel] : o[snake];
}

function tag(w: Writer, field: number, wire: number): Writer {
  return w.uint32((field << 3) | wire);
}

/** {low, high} is what protobufjs' LongBits accepts for 64-bit writes */
function bits(v: bigint): { low: number; high: number; unsigned: boolean } {
  const u = BigInt.asUintN(64, v);
  return { low: Number(u & 0xffffffffn), high: Number(u >> 32n), unsigned: true };
}

function writeFixed64(w: Writer, field: number, v: unknown): void {
  if (v === undefined || v === null) return;
  const n = BigInt(v as string | number);
  if (n === 0n) return;
  tag(w, field, I64).fixed64(bits(n) as any);
}

function idBytes(v: unknown): Buffer {
  if (typeof v !== 'string' || v === '') return Buffer.alloc(0);
  if (v.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(v)) return Buffer.from(v, 'hex');
  return Buffer.from(v, 'base64');
}

function writeId(w: Writer, field: number, v: unknown): void {
  const b = idBytes(v);
  if (b.length > 0) tag(w, field, LEN).bytes(b);
}

function enumNum(v: unknown, names: Record<string, number>): number {
  if (typeof v === 'string') return names[v] ?? Number(v);
  return typeof v === 'number' ? v : 0;
}

function writeString(w: Writer, field: number, v: unknown): void {
  if (typeof v === 'string' && v !== '') tag(w, field, LEN).string(v);
}

function writeAnyValue(w: Writer, v: Obj): void {
  let x;
  if ((x = f(v, 'stringValue', 'string_value')) !== undefined) tag(w, 1, LEN).string(x);
  else if ((x = f(v, 'boolValue', 'bool_value')) !== undefined) tag(w, 2, VARINT).bool(x);
  else if ((x = f(v, 'intValue', 'int_value')) !== undefined) tag(w, 3, VARINT).int64(bits(BigInt(x)) as any);
  else if ((x = f(v, 'doubleValue', 'double_value')) !== undefined) tag(w, 4, I64).double(Number(x));
  else if ((x = f(v, 'arrayValue', 'array_value')) !== undefined) {
    tag(w, 5, LEN).fork();
    for (const item of x.values ?? []) {
      tag(w, 1, LEN).fork();
      writeAnyValue(w, item);
      w.ldelim();
    }
    w.ldelim();
  } else if ((x = f(v, 'kvlistValue', 'kvlist_value')) !== undefined) {
    tag(w, 6, LEN).fork();
    writeKeyValues(w, 1, x.values);
    w.ldelim();
  } else if ((x = f(v, 'bytesValue', 'bytes_value')) !== undefined) tag(w, 7, LEN).bytes(Buffer.from(x, 'base64'));
}

function writeKeyValues(w: Writer, field: number, kvs: Obj[] | undefined): void {
  for (const kv of kvs ?? []) {
    tag(w, field, LEN).fork();
    tag(w, 1, LEN).string(kv.key);
    if (kv.value !== undefined && kv.value !== null) {
      tag(w, 2, LEN).fork();
      writeAnyValue(w, kv.value);
      w.ldelim();
    }
    w.ldelim();
  }
}

function writeEnvelope(w: Writer, doc: Obj, names: [string, string, string, string, string, string], writeItem: (w: Writer, item: Obj) => void): void {
  for (const rs of f(doc, names[0], names[1]) ?? []) {
    tag(w, 1, LEN).fork();
    if (rs.resource) {
      tag(w, 1, LEN).fork();
      writeKeyValues(w, 1, rs.resource.attributes);
      w.ldelim();
    }
    for (const ss of f(rs, names[2], names[3]) ?? []) {
      tag(w, 2, LEN).fork();
      if (ss.scope) {
        tag(w, 1, LEN).fork();
        writeString(w, 1, ss.scope.name);
        writeString(w, 2, ss.scope.version);
        w.ldelim();
      }
      for (const item of f(ss, names[4], names[5]) ?? []) {
        tag(w, 2, LEN).fork();
        writeItem(w, item);
        w.ldelim();
      }
      w.ldelim();
    }
    w.ldelim();
  }
}

function writeSpan(w: Writer, s: Obj): void {
  writeId(w, 1, f(s, 'traceId', 'trace_id'));
  writeId(w, 2, f(s, 'spanId', 'span_id'));
  writeId(w, 4, f(s, 'parentSpanId', 'parent_span_id'));
  writeString(w, 5, s.name);
  const kind = enumNum(s.kind, SPAN_KINDS);
  if (kind) tag(w, 6, VARINT).int32(kind);
  writeFixed64(w, 7, f(s, 'startTimeUnixNano', 'start_time_unix_nano'));
  writeFixed64(w, 8, f(s, 'endTimeUnixNano', 'end_time_unix_nano'));
  writeKeyValues(w, 9, s.attributes);
  for (const e of s.events ?? []) {
    tag(w, 11, LEN).fork();
    writeFixed64(w, 1, f(e, 'timeUnixNano', 'time_unix_nano'));
    writeString(w, 2, e.name);
    writeKeyValues(w, 3, e.attributes);
    w.ldelim();
  }
  if (s.status) {
    tag(w, 15, LEN).fork();
    writeString(w, 2, s.status.message);
    const code = enumNum(s.status.code, STATUS_CODES);
    if (code) tag(w, 3, VARINT).int32(code);
    w.ldelim();
  }
}

function writeLogRecord(w: Writer, l: Obj): void {
  writeFixed64(w, 1, f(l, 'timeUnixNano', 'time_unix_nano'));
  const sev = enumNum(f(l, 'severityNumber', 'severity_number'), SEVERITIES);
  if (sev) tag(w, 2, VARINT).int32(sev);
  writeString(w, 3, f(l, 'severityText', 'severity_text'));
  if (l.body !== undefined && l.body !== null) {
    tag(w, 5, LEN).fork();
    writeAnyValue(w, l.body);
    w.ldelim();
  }
  writeKeyValues(w, 6, l.attributes);
  writeId(w, 9, f(l, 'traceId', 'trace_id'));
  writeId(w, 10, f(l, 'spanId', 'span_id'));
  writeFixed64(w, 11, f(l, 'observedTimeUnixNano', 'observed_time_unix_nano'));
}

/** OTLP/JSON ExportTraceServiceRequest → protobuf bytes */
export function encodeTracesProtobuf(doc: object): Buffer {
  const w = Writer.create();
  writeEnvelope(w, doc, ['resourceSpans', 'resource_spans', 'scopeSpans', 'scope_spans', 'spans', 'spans'], writeSpan);
  return Buffer.from(w.finish());
}

/** OTLP/JSON ExportLogsServiceRequest → protobuf bytes */
export function encodeLogsProtobuf(doc: object): Buffer {
  const w = Writer.create();
  writeEnvelope(w, doc, ['resourceLogs', 'resource_logs', 'scopeLogs', 'scope_logs', 'logRecords', 'log_records'], writeLogRecord);
  return Buffer.from(w.finish());
}
