import type { LogQueryFilters, TraceQueryFilters, TraceSearchFilters } from '../../common/api';
import { decodeCursor } from '../store/cursor';
import { parseStatusFilter } from '../store/filters';

/** A 400 whose message names the parameter and what it accepts. */
export class BadRequestError extends Error {}

type Query = Record<string, unknown>;

function checkKnown(q: Query, known: readonly string[], also = ''): void {
  for (const k of Object.keys(q)) {
    if (!known.includes(k) && !(also && k.startsWith(also))) {
      throw new BadRequestError(`unknown query parameter "${k}"; accepted: ${known.join(', ')}${also ? `, ${also}<key>` : ''}`);
    }
  }
}

function str(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new BadRequestError(`query parameter "${name}" must be given once`);
  return v;
}

function num(q: Query, name: string, min: number, max: number, integer = false): number | undefined {
  const v = str(q, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new BadRequestError(`query parameter "${name}" must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}; got "${v}"`);
  }
  return n;
}

function bool(q: Query, name: string): boolean | undefined {
  const v = str(q, name);
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new BadRequestError(`query parameter "${name}" must be true or false; got "${v}"`);
}

/** A time bound: Unix milliseconds, or an ISO 8601 date. */
function time(q: Query, name: string): number | undefined {
  const v = str(q, name);
  if (v === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new BadRequestError(`query parameter "${name}" must be Unix milliseconds or an ISO 8601 time; got "${v}"`);
  return n;
}

const TRACE_PARAMS = ['status', 'minDurationMs', 'method', 'path', 'routeId', 'serviceId', 'errorsOnly', 'spanErrorsOnly', 'from', 'to', 'limit', 'cursor'] as const;

export function parseTraceFilters(q: Query): TraceQueryFilters {
  checkKnown(q, TRACE_PARAMS);
  return traceFilters(q);
}

/** the trace list filters, checked here so a bad one is a 400 before anything is read */
function traceFilters(q: Query): TraceQueryFilters {
  const f: TraceQueryFilters = {
    status: str(q, 'status'),
    minDurationMs: num(q, 'minDurationMs', 0, 86_400_000),
    method: str(q, 'method'),
    path: str(q, 'path'),
    routeId: str(q, 'routeId'),
    serviceId: str(q, 'serviceId'),
    errorsOnly: bool(q, 'errorsOnly'),
    spanErrorsOnly: bool(q, 'spanErrorsOnly'),
    from: time(q, 'from'),
    to: time(q, 'to'),
    limit: num(q, 'limit', 1, 1000, true),
    cursor: str(q, 'cursor'),
  };
  if (f.status) statusParam('status', f.status);
  if (f.cursor) decodeCursor(f.cursor);
  if (f.from !== undefined && f.to !== undefined && f.from > f.to) throw new BadRequestError(`query parameter "from" (${f.from}) is after "to" (${f.to})`);
  return dropUndefined(f);
}

function statusParam(name: string, v: string): void {
  try {
    parseStatusFilter(v);
  } catch (e) {
    throw new BadRequestError(`query parameter "${name}": ${(e as Error).message}`);
  }
}

const SEARCH_PARAMS = [...TRACE_PARAMS, 'requestId', 'traceId', 'consumerId', 'clientAddress', 'host', 'upstreamStatus'] as const;
/** `attr.<key>=<value>`: a span attribute the trace must carry */
const ATTR_PREFIX = 'attr.';
const MAX_ATTRS = 8;
const MAX_TEXT = 512;

/** `GET /api/v1/traces`: the session list's filters, the ids a user knows of a request, and span attributes */
export function parseTraceSearch(q: Query): TraceSearchFilters {
  checkKnown(q, SEARCH_PARAMS, ATTR_PREFIX);
  const text = (name: string) => {
    const v = str(q, name);
    if (v !== undefined && (v.length > MAX_TEXT || /[\u0000-\u001f]/.test(v))) {
      throw new BadRequestError(`query parameter "${name}" must be at most ${MAX_TEXT} printable characters`);
    }
    return v?.trim() || undefined;
  };
  const traceId = text('traceId');
  const f: TraceSearchFilters = {
    ...traceFilters(q),
    requestId: text('requestId'),
    traceId: traceId === undefined ? undefined : normaliseTraceId(traceId),
    consumerId: text('consumerId'),
    clientAddress: text('clientAddress'),
    host: text('host'),
    upstreamStatus: text('upstreamStatus'),
  };
  if (f.upstreamStatus) statusParam('upstreamStatus', f.upstreamStatus);
  const attrs = Object.keys(q).filter((k) => k.startsWith(ATTR_PREFIX));
  if (attrs.length > MAX_ATTRS) throw new BadRequestError(`at most ${MAX_ATTRS} attr.<key> parameters; got ${attrs.length}`);
  for (const k of attrs) {
    const key = k.slice(ATTR_PREFIX.length);
    if (!key) throw new BadRequestError(`query parameter "${k}" needs an attribute key: attr.<key>=<value>, e.g. attr.http.route=/orders`);
    const v = text(k);
    if (v === undefined) throw new BadRequestError(`query parameter "${k}" needs a value: attr.<key>=<value>`);
    // no prototype: a key such as __proto__ is an attribute like any other
    (f.attributes ??= Object.create(null) as Record<string, string>)[key] = v;
  }
  return dropUndefined(f);
}

const LOG_PARAMS = ['traceId', 'spanId', 'level', 'from', 'to', 'limit', 'cursor'] as const;

export function parseLogFilters(q: Query): LogQueryFilters {
  checkKnown(q, LOG_PARAMS);
  const traceId = str(q, 'traceId');
  const spanId = str(q, 'spanId');
  const f: LogQueryFilters = {
    traceId: traceId === undefined ? undefined : normaliseTraceId(traceId),
    spanId: spanId === undefined ? undefined : normaliseSpanId(spanId),
    level: str(q, 'level'),
    from: time(q, 'from'),
    to: time(q, 'to'),
    limit: num(q, 'limit', 1, 5000, true),
    cursor: str(q, 'cursor'),
  };
  return dropUndefined(f);
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

function normaliseId(raw: string, bytes: number, what: string): string {
  const hexLen = bytes * 2;
  if (raw.length === hexLen && /^[0-9a-fA-F]+$/.test(raw)) return raw.toLowerCase();
  // Kong Enterprise writes ids base64 in OTLP/JSON; accept what a user may copy from such a payload.
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) {
    const buf = Buffer.from(raw, raw.includes('-') || raw.includes('_') ? 'base64url' : 'base64');
    if (buf.length === bytes) return buf.toString('hex');
  }
  throw new BadRequestError(`invalid ${what} "${raw}": expected ${hexLen} hex characters (or the base64 of ${bytes} bytes)`);
}

export const normaliseTraceId = (raw: string) => normaliseId(raw, 16, 'trace id');
export const normaliseSpanId = (raw: string) => normaliseId(raw, 8, 'span id');
