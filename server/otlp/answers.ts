import type { FastifyReply, FastifyRequest } from 'fastify';
import { classifyConsumerError } from '../ingest/contract';
import { MAX_RETRY_AFTER_SECONDS, MIN_RETRY_AFTER_SECONDS } from './admission';
import { encodeStatus, type Encoding } from './responses';

/*
 * The one place where failures become OTLP/HTTP answers (https://opentelemetry.io/docs/specs/otlp/#failures-1):
 * an HTTP status, Retry-After for the retryable ones (429, 503), and a google.rpc.Status body in the
 * request's encoding. Consumer errors (server/ingest/contract.ts) map here, as the Collector's OTLP
 * receiver maps consumererror: over capacity → 429, unavailable → 503, permanent → 400.
 */

// google.rpc.Code values for Status.code (the OTLP spec lets servers omit it; we set it for humans)
export const CODE_INVALID_ARGUMENT = 3;
export const CODE_DEADLINE_EXCEEDED = 4;
export const CODE_PERMISSION_DENIED = 7;
export const CODE_RESOURCE_EXHAUSTED = 8;
export const CODE_INTERNAL = 13;
export const CODE_UNAVAILABLE = 14;
export const CODE_UNAUTHENTICATED = 16;

/** the request's encoding from its Content-Type, or undefined when we cannot read it */
export function encodingOf(req: FastifyRequest): Encoding | undefined {
  const header = req.headers['content-type'];
  if (typeof header !== 'string') return undefined;
  const semi = header.indexOf(';');
  const media = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return undefined;
}

/** an error status with a google.rpc.Status in `encoding` (JSON when the request's is unknown) */
export function sendStatus(reply: FastifyReply, encoding: Encoding | undefined, httpStatus: number, code: number, message: string): FastifyReply {
  const enc = encoding ?? 'json';
  reply.code(httpStatus).header('content-type', enc === 'protobuf' ? 'application/x-protobuf' : 'application/json');
  return reply.send(encodeStatus(enc, code, message));
}

/** Retry-After in whole seconds within 1..30 (30: Kong drops a batch after 60 s of retries) */
export function retryAfterHeader(seconds: number): number {
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(MIN_RETRY_AFTER_SECONDS, Math.ceil(seconds) || MIN_RETRY_AFTER_SECONDS));
}

/** 429/503 with Retry-After and a Status naming the retry delay */
export function refuse(reply: FastifyReply, encoding: Encoding | undefined, status: 429 | 503, retryAfterSeconds: number, message: string): FastifyReply {
  const seconds = retryAfterHeader(retryAfterSeconds);
  reply.header('retry-after', String(seconds));
  return sendStatus(reply, encoding, status, status === 429 ? CODE_RESOURCE_EXHAUSTED : CODE_UNAVAILABLE, `${message}, retry after ${seconds}s`);
}

/** what a consumer's error became, so the receiver can count it */
export type ConsumerAnswer = 'busy' | 'unavailable' | 'permanent' | 'internal';

/** answers a consumer's error (server/ingest/contract.ts) */
export function answerConsumerError(req: FastifyRequest, reply: FastifyReply, encoding: Encoding | undefined, signal: string, e: unknown): ConsumerAnswer {
  const c = classifyConsumerError(e);
  const message = (e as Error).message;
  switch (c.kind) {
    case 'busy':
      refuse(reply, encoding, 429, c.retryAfterSeconds, message);
      break;
    case 'unavailable':
      req.log.warn(`OTLP ${signal}: store unavailable: ${message}`);
      refuse(reply, encoding, 503, c.retryAfterSeconds, `store unavailable: ${message}`);
      break;
    case 'permanent':
      sendStatus(reply, encoding, 400, CODE_INVALID_ARGUMENT, message);
      break;
    default:
      req.log.error({ err: e }, `OTLP ${signal} ingest failed`);
      sendStatus(reply, encoding, 500, CODE_INTERNAL, `ingest failed: ${message}`);
  }
  return c.kind;
}

/**
 * An authentication failure (401 UNAUTHENTICATED, 403 PERMISSION_DENIED, or 503 UNAVAILABLE when the
 * token table cannot be read: retryable, so Kong's exporter waits Retry-After and sends again).
 * Any Content-Type naming protobuf gets a protobuf Status: the body was never read.
 */
export function answerAuthFailure(reply: FastifyReply, status: 401 | 403 | 503, message: string): void {
  const encoding: Encoding = /protobuf/i.test(String(reply.request.headers['content-type'] ?? '')) ? 'protobuf' : 'json';
  if (status === 503) reply.header('retry-after', '5');
  void reply
    .code(status)
    .type(encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json')
    .send(encodeStatus(encoding, { 401: CODE_UNAUTHENTICATED, 403: CODE_PERMISSION_DENIED, 503: CODE_UNAVAILABLE }[status], message));
}
