import { promisify } from 'node:util';
import { gunzip, type InputType, type ZlibOptions } from 'node:zlib';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeLogsJson, decodeTracesJson } from './decode-json';
import { decodeLogsProtobuf, decodeTracesProtobuf } from './decode-protobuf';
import { OtlpDecodeError } from './errors';
import {
  describeLimitReport,
  itemCountError,
  limitLogBatch,
  limitTraceBatch,
  rejectUnstorableLogs,
  rejectUnstorableSpans,
  resolveLimits,
  type LimitReport,
  type OtlpLimits,
} from './limits';
import { encodeExportResponse, encodeStatus, type Encoding } from './responses';
import type { DecodedLogBatch, DecodedTraceBatch } from './types';

/*
 * OTLP/HTTP receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp): POST /v1/traces and
 * /v1/logs, binary protobuf or JSON, optionally gzip-compressed. Kong (OSS) sends protobuf only
 * and retries every answer but exactly 200, so everything decodable gets 200 (with
 * partial_success when some items were rejected); 4xx/5xx carry a google.rpc.Status in the
 * request's encoding.
 */

export interface OtlpSink {
  ingestTraces(batch: DecodedTraceBatch): void | Promise<void>;
  ingestLogs(batch: DecodedLogBatch): void | Promise<void>;
}

/** thrown by a sink that is over capacity: the receiver answers 429 with Retry-After */
export class BackpressureError extends Error {
  constructor(public retryAfterSeconds: number) {
    super(`ingest is over capacity, retry after ${retryAfterSeconds}s`);
    this.name = 'BackpressureError';
  }
}

export interface OtlpRouteOptions {
  /** limit for the body as sent and, when gzip-encoded, after decompression; default 16 MiB (same as limits.maxBodyBytes; this one wins) */
  maxBodyBytes?: number;
  /** request and item limits; each missing one takes its value from DEFAULT_LIMITS (limits.ts) */
  limits?: Partial<OtlpLimits>;
}

export { DEFAULT_LIMITS, type OtlpLimits } from './limits';
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const gunzipAsync = promisify(gunzip) as (buf: InputType, opts: ZlibOptions) => Promise<Buffer>;

// google.rpc.Code values for Status.code (the OTLP spec lets servers omit it; we set it for humans)
const CODE_INVALID_ARGUMENT = 3;
const CODE_RESOURCE_EXHAUSTED = 8;
const CODE_INTERNAL = 13;

/** the request's encoding from its Content-Type, or undefined when we cannot read it */
function encodingOf(req: FastifyRequest): Encoding | undefined {
  const header = req.headers['content-type'];
  if (typeof header !== 'string') return undefined;
  const semi = header.indexOf(';');
  const media = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return undefined;
}

function sendStatus(reply: FastifyReply, encoding: Encoding | undefined, httpStatus: number, code: number, message: string): FastifyReply {
  const enc = encoding ?? 'json';
  reply.code(httpStatus).header('content-type', enc === 'protobuf' ? 'application/x-protobuf' : 'application/json');
  return reply.send(encodeStatus(enc, code, message));
}

class HttpError extends Error {
  constructor(public status: number, public code: number, message: string) {
    super(message);
  }
}

async function bodyOf(req: FastifyRequest, maxBodyBytes: number): Promise<Buffer> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const ce = req.headers['content-encoding'];
  const coding = typeof ce === 'string' ? ce.trim().toLowerCase() : '';
  if (coding === '' || coding === 'identity') return raw;
  if (coding !== 'gzip' && coding !== 'x-gzip')
    throw new HttpError(415, CODE_INVALID_ARGUMENT, `unsupported Content-Encoding ${JSON.stringify(ce)}: use gzip or none`);
  try {
    // maxOutputLength stops a gzip bomb while inflating instead of after
    return await gunzipAsync(raw, { maxOutputLength: maxBodyBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new HttpError(413, CODE_RESOURCE_EXHAUSTED, `decompressed body exceeds the limit of ${maxBodyBytes} bytes`);
    throw new HttpError(400, CODE_INVALID_ARGUMENT, `invalid gzip body: ${err.message}`);
  }
}

type Signal = 'traces' | 'logs';

async function handle(req: FastifyRequest, reply: FastifyReply, signal: Signal, sink: OtlpSink, limits: OtlpLimits): Promise<FastifyReply> {
  const encoding = encodingOf(req);
  if (encoding === undefined) {
    const ct = req.headers['content-type'];
    return sendStatus(reply, undefined, 415, CODE_INVALID_ARGUMENT,
      `unsupported Content-Type ${ct === undefined ? '(none)' : JSON.stringify(ct)}: use application/x-protobuf or application/json`);
  }
  let rejected = 0;
  let errors: string[] = [];
  let limited: LimitReport | undefined;
  try {
    const body = await bodyOf(req, limits.maxBodyBytes);
    // too many items refuses the whole request (before ingest), so nothing is half-stored
    const checkCount = (count: number) => {
      const tooMany = itemCountError(signal, count, limits);
      if (tooMany !== undefined) throw new HttpError(413, CODE_RESOURCE_EXHAUSTED, tooMany);
    };
    if (signal === 'traces') {
      const batch = encoding === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body);
      checkCount(batch.spans.length + batch.rejected);
      rejectUnstorableSpans(batch);
      limited = limitTraceBatch(batch, limits);
      rejected = batch.rejected;
      errors = batch.errors;
      if (batch.spans.length > 0) await sink.ingestTraces(batch);
    } else {
      const batch = encoding === 'protobuf' ? decodeLogsProtobuf(body) : decodeLogsJson(body);
      checkCount(batch.records.length + batch.rejected);
      rejectUnstorableLogs(batch);
      limited = limitLogBatch(batch, limits);
      rejected = batch.rejected;
      errors = batch.errors;
      if (batch.records.length > 0) await sink.ingestLogs(batch);
    }
  } catch (e) {
    if (e instanceof HttpError) return sendStatus(reply, encoding, e.status, e.code, e.message);
    if (e instanceof OtlpDecodeError) return sendStatus(reply, encoding, 400, CODE_INVALID_ARGUMENT, e.message);
    if (e instanceof BackpressureError) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(e.retryAfterSeconds))));
      return sendStatus(reply, encoding, 429, CODE_RESOURCE_EXHAUSTED, e.message);
    }
    req.log.error({ err: e }, `OTLP ${signal} ingest failed`);
    return sendStatus(reply, encoding, 500, CODE_INTERNAL, `ingest failed: ${(e as Error).message}`);
  }
  const parts: string[] = [];
  if (rejected > 0) parts.push(`${rejected} ${signal === 'traces' ? 'spans' : 'log records'} rejected: ${errors.join('; ')}`);
  const warning = limited ? describeLimitReport(limited, limits) : '';
  if (warning !== '') parts.push(`accepted with limits applied: ${warning}`);
  // rejected = 0 with a message is OTLP's "accepted with a warning"
  const message = parts.join('; ');
  if (message !== '') req.log.warn(`OTLP ${signal}: ${message}`);
  reply.code(200).header('content-type', encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json');
  return reply.send(encodeExportResponse(encoding, signal, rejected, message));
}

/**
 * Registers POST /v1/traces and /v1/logs inside an encapsulated plugin, so the raw-body
 * content-type parsers and the error handler below apply to these routes only and the REST
 * API's JSON parsing is untouched.
 */
export function registerOtlpRoutes(app: FastifyInstance, sink: OtlpSink, opts: OtlpRouteOptions = {}): void {
  const limits = resolveLimits({ ...opts.limits, ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}) });
  const maxBodyBytes = limits.maxBodyBytes;
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // every content type arrives as a Buffer; the handler decides (415 with an OTLP Status)
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      // fastify's own errors before our handler runs: body too large, bad Content-Length, ...
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      const message = status === 413 ? `body exceeds the limit of ${maxBodyBytes} bytes` : err.message;
      if (status === 500) req.log.error({ err }, 'OTLP receiver error');
      return sendStatus(reply, encodingOf(req), status, status === 413 ? CODE_RESOURCE_EXHAUSTED : status === 500 ? CODE_INTERNAL : CODE_INVALID_ARGUMENT, message);
    });
    const routeOpts = { bodyLimit: maxBodyBytes };
    scope.post('/v1/traces', routeOpts, (req, reply) => handle(req, reply, 'traces', sink, limits));
    scope.post('/v1/logs', routeOpts, (req, reply) => handle(req, reply, 'logs', sink, limits));
  });
}
