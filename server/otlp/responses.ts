import { Reader, Writer } from 'protobufjs/minimal';

/*
 * Response bodies of the OTLP/HTTP receiver, in the request's encoding.
 * Field numbers (opentelemetry-proto collector/*, googleapis google/rpc/status.proto):
 */
const RESPONSE_PARTIAL_SUCCESS = 1; // Export{Trace,Logs}ServiceResponse.partial_success
const PARTIAL_REJECTED = 1; // rejected_spans | rejected_log_records (int64)
const PARTIAL_ERROR_MESSAGE = 2; // error_message
const STATUS_CODE = 1; // google.rpc.Status.code (int32)
const STATUS_MESSAGE = 2; // google.rpc.Status.message

export type Encoding = 'protobuf' | 'json';

/** google.rpc.Status {code, message}: protobuf bytes or its proto3 JSON form */
export function encodeStatus(encoding: Encoding, code: number, message: string): Buffer | string {
  if (encoding === 'json') return JSON.stringify({ code, message });
  const w = Writer.create();
  w.uint32((STATUS_CODE << 3) | 0).int32(code);
  w.uint32((STATUS_MESSAGE << 3) | 2).string(message);
  return Buffer.from(w.finish());
}

/**
 * Export{Trace,Logs}ServiceResponse; partial_success only when something was rejected or there
 * is a warning (rejected = 0 with a message); an empty one means full success, per the spec.
 */
export function encodeExportResponse(encoding: Encoding, signal: 'traces' | 'logs', rejected: number, message: string): Buffer | string {
  if (encoding === 'json') {
    if (rejected === 0 && message === '') return '{}';
    const key = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
    // int64 is a decimal string in proto3 JSON; a zero count is omitted like any proto3 default
    return JSON.stringify({ partialSuccess: rejected === 0 ? { errorMessage: message } : { [key]: String(rejected), errorMessage: message } });
  }
  if (rejected === 0 && message === '') return Buffer.alloc(0);
  const w = Writer.create();
  w.uint32((RESPONSE_PARTIAL_SUCCESS << 3) | 2).fork();
  if (rejected !== 0) w.uint32((PARTIAL_REJECTED << 3) | 0).int64(rejected);
  w.uint32((PARTIAL_ERROR_MESSAGE << 3) | 2).string(message);
  w.ldelim();
  return Buffer.from(w.finish());
}

/** reads a protobuf google.rpc.Status (for clients and tests) */
export function decodeStatusProtobuf(buf: Uint8Array): { code: number; message: string } {
  const r = Reader.create(buf);
  const out = { code: 0, message: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === STATUS_CODE && (tag & 7) === 0) out.code = r.int32();
    else if (tag >>> 3 === STATUS_MESSAGE && (tag & 7) === 2) out.message = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}

/** reads a protobuf Export*ServiceResponse's partial_success (for clients and tests) */
export function decodeExportResponseProtobuf(buf: Uint8Array): { rejected: number; errorMessage: string } | undefined {
  const r = Reader.create(buf);
  let out: { rejected: number; errorMessage: string } | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === RESPONSE_PARTIAL_SUCCESS && (tag & 7) === 2) {
      out = { rejected: 0, errorMessage: '' };
      const end = r.uint32() + r.pos;
      while (r.pos < end) {
        const t = r.uint32();
        if (t >>> 3 === PARTIAL_REJECTED && (t & 7) === 0) out.rejected = Number(r.int64());
        else if (t >>> 3 === PARTIAL_ERROR_MESSAGE && (t & 7) === 2) out.errorMessage = r.string();
        else r.skipType(t & 7);
      }
    } else r.skipType(tag & 7);
  }
  return out;
}
