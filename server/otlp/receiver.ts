import { Transform } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip, type InputType, type ZlibOptions } from 'node:zlib';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdmissionGate, recentLoopDelayMs, resolveAdmissionLimits, type AdmissionLimits, type OtlpReceiverStats, type Refusal, type Ticket } from './admission';
import { DecodePool, DEFAULT_OFF_THREAD_BYTES, PoolBusyError } from './decode-in-worker';
import { OtlpDecodeError } from './errors';
import { describeLimitReport, resolveLimits, type LimitReport, type OtlpLimits } from './limits';
import { ItemCountError, prepareBatch, type Prepared, type Signal } from './prepare';
import { BodyWatch, DEFAULT_STALL_LIMITS, type StallLimits } from './stall';
import { RecentMax, TurnScheduler } from './turns';
import { withAnswerDeadline } from '../store/deadline';
import { answerConsumerError, CODE_DEADLINE_EXCEEDED, CODE_INTERNAL, CODE_INVALID_ARGUMENT, CODE_RESOURCE_EXHAUSTED, encodingOf, refuse, sendStatus } from './answers';
import type { Consumer } from '../ingest/contract';
import { encodeExportResponse, type Encoding } from './responses';

/*
 * OTLP/HTTP receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp): POST /v1/traces and
 * /v1/logs, binary protobuf or JSON, optionally gzip-compressed. Kong (OSS) sends protobuf only
 * and retries every answer but exactly 200, so everything decodable gets 200 (with
 * partial_success when some items were rejected); 4xx/5xx carry a google.rpc.Status in the
 * request's encoding.
 */

/** what the receiver hands decoded batches to (the ingest pipeline); the contract lives in server/ingest/contract.ts */
export type OtlpSink = Consumer;

// kept here too so existing imports of the receiver's errors keep working
export { BackpressureError, StoreUnavailableError, STORE_UNAVAILABLE_RETRY_SECONDS } from '../ingest/contract';

export interface OtlpRouteOptions {
  /** limit for the body as sent and, when gzip-encoded, after decompression; default 16 MiB (same as limits.maxBodyBytes; this one wins) */
  maxBodyBytes?: number;
  /** request and item limits; each missing one takes its value from DEFAULT_LIMITS (limits.ts) */
  limits?: Partial<OtlpLimits>;
  /** requests read/decoded/ingested at once; more are refused with 429 (default DEFAULT_ADMISSION_LIMITS, admission.ts) */
  maxInFlightRequests?: number;
  /** their body bytes (Content-Length or bytes read, plus decompressed size); past it 429 (default 64 MiB) */
  maxInFlightBytes?: number;
  /** one client's (remote address) share of the requests in flight (default: half of maxInFlightRequests) */
  maxInFlightRequestsPerClient?: number;
  /** one client's share of the body bytes in flight (default: half of maxInFlightBytes) */
  maxInFlightBytesPerClient?: number;
  /** refuse (429) a request that would wait longer than this behind the ones in flight, in ms (default 500) */
  maxQueueWaitMs?: number;
  /** body progress: when a stalled upload stops counting, and when it is cut with 408 (DEFAULT_STALL_LIMITS, stall.ts) */
  stall?: Partial<StallLimits>;
  /** synchronous decode + ingest work aimed at per event-loop turn, ms (default 25; see turns.ts) */
  turnBudgetMs?: number;
  /** the event loop's recent delay, counted as wait by admission (default: measured, admission.ts) */
  loopDelayMs?: () => number;
  /**
   * an admitted request is answered within this long of its headers' arrival (at least half of it after its body's), ms
   * (default DEFAULT_ANSWER_DEADLINE_MS): refused
   * with 429 at its turn when the time requests recently took from their turn to their answer would pass it, and
   * with 503 when the store holds its commit past it (store/deadline.ts)
   */
  answerDeadlineMs?: number;
  /** bodies of at least this many bytes (decompressed) are decoded on a worker thread (default DEFAULT_OFF_THREAD_BYTES, decode-in-worker.ts) */
  offThreadDecodeBytes?: number;
  /** worker threads for those (default DEFAULT_DECODE_THREADS) */
  decodeThreads?: number;
  /** large bodies waiting for a decode thread at most; more are refused with 429 (default DEFAULT_DECODE_QUEUE) */
  maxQueuedDecodes?: number;
}

/**
 * 700 ms from the request's headers: the target is every answer within 1 s as the sender sees it, which also
 * counts the connection's set-up, the body's transfer and the event loop's turns before and after.
 */
export const DEFAULT_ANSWER_DEADLINE_MS = 700;

/**
 * Options of the OTLP listener's HTTP server (Fastify's): header and whole-request time bounds, so a
 * client that sends its headers (or its body) slowly holds a socket for a bounded time; Node checks
 * them every second here (its default is every 30 s). The receiver's own body watch (stall.ts) is
 * finer; these bound what comes before it (the headers) and back it up.
 */
export function otlpServerOptions(o: { headersTimeoutMs?: number; requestTimeoutMs?: number } = {}) {
  return {
    requestTimeout: o.requestTimeoutMs ?? 60_000,
    http: { headersTimeout: o.headersTimeoutMs ?? 10_000, connectionsCheckingInterval: 1000 },
  };
}

export { DEFAULT_LIMITS, type OtlpLimits } from './limits';
export { DEFAULT_ADMISSION_LIMITS, type AdmissionLimits, type OtlpReceiverStats } from './admission';
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const gunzipAsync = promisify(gunzip) as (buf: InputType, opts: ZlibOptions) => Promise<Buffer>;

class HttpError extends Error {
  constructor(public status: number, public code: number, message: string) {
    super(message);
  }
}

/** the admission gate is full (mid-body or after decompression); statusCode keeps fastify's body reader from making it a 400 */
class GateFullError extends Error {
  statusCode = 429;
}

/** an admitted request whose turn came too late to be answered by its deadline: nothing of it was ingested */
class LateError extends Error {}

/** an upload that stopped (or trickled) past the body limits (stall.ts): 408, and the socket is closed */
class BodyTimeoutError extends Error {
  statusCode = 408;
}

function refuseBusy(reply: FastifyReply, encoding: Encoding | undefined, gate: AdmissionGate, why: Refusal = { kind: 'busy' }): FastifyReply {
  gate.stats.refusedBusy++;
  const { inFlightRequests, inFlightBytes } = gate.stats;
  const { maxInFlightRequests, maxInFlightBytes } = gate.limits;
  let message = `receiver is busy: ${inFlightRequests} requests (limit ${maxInFlightRequests}) with ${inFlightBytes} body bytes (limit ${maxInFlightBytes}) in flight`;
  let retryAfter = gate.retryAfter();
  if (why.kind === 'client') {
    gate.stats.refusedClientShare++;
    message = `receiver is busy: this client (${why.client}) has ${why.requests} requests with ${why.bytes} body bytes in flight, its share is ${gate.limits.maxInFlightRequestsPerClient} requests and ${gate.limits.maxInFlightBytesPerClient} bytes`;
  } else if (why.kind === 'wait') {
    gate.stats.refusedWait++;
    message = `receiver is busy: a request now would wait about ${Math.round(why.waitMs)} ms (${inFlightRequests} requests ahead at ${Math.round(why.costMs)} ms each), over the limit of ${gate.limits.maxQueueWaitMs} ms`;
    retryAfter = why.waitMs / 1000;
  }
  return refuse(reply, encoding, 429, retryAfter, message);
}

/** the declared body size, or undefined when the body is chunked (or the header is unusable) */
function contentLengthOf(req: FastifyRequest): number | undefined {
  const n = Number(req.headers['content-length']);
  return req.headers['content-length'] !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Passes the body through, telling the watch it moves and, for a chunked body, counting it on the
 * ticket as it arrives; fails once the gate is full.
 */
function watchedStream(ticket: Ticket, watch: BodyWatch, countBytes: boolean): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!watch.progress()) cb(new GateFullError('receiver is busy: the gate filled while this body was stalled'));
      else if (!countBytes || ticket.grow(chunk.length)) cb(null, chunk);
      else cb(new GateFullError('receiver is busy: in-flight body bytes over the limit while reading this body'));
    },
    flush(cb) {
      watch.stop();
      cb();
    },
  });
}

async function bodyOf(req: FastifyRequest, maxBodyBytes: number, ticket: Ticket | undefined): Promise<Buffer> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const ce = req.headers['content-encoding'];
  const coding = typeof ce === 'string' ? ce.trim().toLowerCase() : '';
  if (coding === '' || coding === 'identity') return raw;
  if (coding !== 'gzip' && coding !== 'x-gzip')
    throw new HttpError(415, CODE_INVALID_ARGUMENT, `unsupported Content-Encoding ${JSON.stringify(ce)}: use gzip or none`);
  let inflated: Buffer;
  try {
    // maxOutputLength stops a gzip bomb while inflating instead of after
    inflated = await gunzipAsync(raw, { maxOutputLength: maxBodyBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new HttpError(413, CODE_RESOURCE_EXHAUSTED, `decompressed body exceeds the limit of ${maxBodyBytes} bytes`);
    throw new HttpError(400, CODE_INVALID_ARGUMENT, `invalid gzip body: ${err.message}`);
  }
  // the inflated copy is memory in flight too
  if (ticket !== undefined && !ticket.grow(inflated.length)) throw new GateFullError('receiver is busy: in-flight body bytes over the limit after decompressing this body');
  return inflated;
}

interface Context {
  sink: OtlpSink;
  limits: OtlpLimits;
  gate: AdmissionGate;
  turns: TurnScheduler;
  ticket: Ticket | undefined;
  /** when the request must be answered (performance.now() time) */
  deadline: number;
  /** recent times from a turn to the answer */
  finishing: RecentMax;
  answerDeadlineMs: number;
  decoder: DecodePool;
  offThreadBytes: number;
}

/** prepareBatch on a worker thread; its errors as the receiver answers them */
async function prepareOffThread(decoder: DecodePool, input: Parameters<typeof prepareBatch>[0]): Promise<Prepared> {
  try {
    return await decoder.prepare(input);
  } catch (e) {
    if (e instanceof OtlpDecodeError || e instanceof ItemCountError || e instanceof PoolBusyError) throw e;
    // the worker failed (out of memory, stopped): nothing was ingested
    throw new HttpError(500, CODE_INTERNAL, (e as Error).message);
  }
}

async function handle(req: FastifyRequest, reply: FastifyReply, signal: Signal, { sink, limits, gate, turns, ticket, deadline, finishing, answerDeadlineMs, decoder, offThreadBytes }: Context): Promise<FastifyReply> {
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
    const body = await bodyOf(req, limits.maxBodyBytes, ticket);
    // decode and ingest run without yielding: wait for a turn with room (turns.ts)
    await turns.turn();
    let turnAt = performance.now();
    // Too late to finish by the deadline: refused before any work, so nothing of it is kept and the retry is clean.
    // (At most half the deadline counted: one slow request must not turn away every request for the next seconds.)
    if (turnAt + Math.min(finishing.value, answerDeadlineMs / 2) > deadline) throw new LateError();
    const input = { signal, encoding, body, limits };
    let prepared: Prepared;
    if (body.length >= offThreadBytes) {
      // hundreds of ms for a large body: decoded on a worker while the loop serves the others, then ingested at a turn
      gate.stats.decodingOffThread++;
      try {
        prepared = await prepareOffThread(decoder, input);
      } finally {
        gate.stats.decodingOffThread--;
      }
      await turns.turn();
      // what `finishing` predicts is the time a request takes on the event loop after its turn; this one's decode
      // took a worker's time, not the loop's, so it counts from here
      turnAt = performance.now();
    } else prepared = prepareBatch(input);
    limited = prepared.limited;
    rejected = prepared.batch.rejected;
    errors = prepared.batch.errors;
    if (prepared.signal === 'traces') {
      if (prepared.batch.spans.length > 0) await sink.ingestTraces(prepared.batch);
    } else if (prepared.batch.records.length > 0) await sink.ingestLogs(prepared.batch);
    finishing.add(performance.now() - turnAt);
  } catch (e) {
    if (e instanceof LateError) {
      gate.stats.refusedLate++;
      gate.stats.refusedBusy++;
      const message = `receiver is busy: this request's turn came too late to answer it by its deadline (recent requests took up to ${Math.round(finishing.value)} ms from their turn)`;
      return refuse(reply, encoding, 429, gate.retryAfter(), message);
    }
    if (e instanceof HttpError) return sendStatus(reply, encoding, e.status, e.code, e.message);
    if (e instanceof OtlpDecodeError) return sendStatus(reply, encoding, 400, CODE_INVALID_ARGUMENT, e.message);
    // too many items refuses the whole request (before ingest), so nothing is half-stored
    if (e instanceof ItemCountError) return sendStatus(reply, encoding, 413, CODE_RESOURCE_EXHAUSTED, e.message);
    if (e instanceof PoolBusyError) {
      gate.stats.refusedBusy++;
      return refuse(reply, encoding, 429, gate.retryAfter(), `receiver is busy: ${e.message}`);
    }
    if (e instanceof GateFullError) return refuseBusy(reply, encoding, gate);
    const answered = answerConsumerError(req, reply, encoding, signal, e);
    if (answered === 'busy') gate.stats.refusedBusy++;
    else if (answered === 'unavailable') gate.stats.refusedUnavailable++;
    return reply;
  }
  const parts: string[] = [];
  if (rejected > 0) parts.push(`${rejected} ${signal === 'traces' ? 'spans' : 'log records'} rejected: ${errors.join('; ')}`);
  const warning = limited ? describeLimitReport(limited, limits) : '';
  if (warning !== '') parts.push(`accepted with limits applied: ${warning}`);
  // rejected = 0 with a message is OTLP's "accepted with a warning"
  const message = parts.join('; ');
  if (message !== '') req.log.warn(`OTLP ${signal}: ${message}`);
  // only now, after the sink's promise resolved: a 200 is a promise that the data is kept
  reply.code(200).header('content-type', encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json');
  return reply.send(encodeExportResponse(encoding, signal, rejected, message));
}

/**
 * Registers POST /v1/traces and /v1/logs inside an encapsulated plugin, so the raw-body
 * content-type parsers, the admission gate and the error handler below apply to these routes
 * only and the REST API's JSON parsing is untouched. Returns the receiver's live counters.
 */
export function registerOtlpRoutes(app: FastifyInstance, sink: OtlpSink, opts: OtlpRouteOptions = {}): Readonly<OtlpReceiverStats> {
  const limits = resolveLimits({ ...opts.limits, ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}) });
  const maxBodyBytes = limits.maxBodyBytes;
  const admission: Partial<AdmissionLimits> = {
    maxInFlightRequests: opts.maxInFlightRequests,
    maxInFlightBytes: opts.maxInFlightBytes,
    maxInFlightRequestsPerClient: opts.maxInFlightRequestsPerClient,
    maxInFlightBytesPerClient: opts.maxInFlightBytesPerClient,
    maxQueueWaitMs: opts.maxQueueWaitMs,
  };
  const gate = new AdmissionGate(resolveAdmissionLimits(admission), undefined, opts.loopDelayMs ?? recentLoopDelayMs);
  // whether a connection was accepted in this event-loop iteration (since the last check phase): then turns give way
  // to the next one (turns.ts). Cleared by an immediate queued behind the turns' own, so they still see it.
  let justAccepted = false;
  app.server.on('connection', () => {
    if (justAccepted) return;
    justAccepted = true;
    setImmediate(() => (justAccepted = false));
  });
  const accepting = () => justAccepted;
  const turns = new TurnScheduler(opts.turnBudgetMs ?? 25, () => gate.costMs, accepting);
  const finishing = new RecentMax();
  const answerDeadlineMs = opts.answerDeadlineMs ?? DEFAULT_ANSWER_DEADLINE_MS;
  const offThreadBytes = opts.offThreadDecodeBytes ?? DEFAULT_OFF_THREAD_BYTES;
  const decoder = new DecodePool({ threads: opts.decodeThreads, maxQueued: opts.maxQueuedDecodes });
  app.addHook('onClose', () => decoder.close());
  const arrivals = new WeakMap<FastifyRequest, number>();
  const stall: StallLimits = { ...DEFAULT_STALL_LIMITS, ...opts.stall };
  const tickets = new WeakMap<FastifyRequest, Ticket>();
  const watches = new WeakMap<FastifyRequest, { watch: BodyWatch; body?: Transform }>();
  app.register(async (scope) => {
    // after the app's onRequest hooks (auth): a refused login never takes a slot
    scope.addHook('onRequest', async (req, reply) => {
      arrivals.set(req, performance.now());
      const declared = contentLengthOf(req);
      // fastify answers 413 to a declared size over the body limit without reading the body: nothing to admit
      if (declared !== undefined && declared > maxBodyBytes) return;
      const ticket = gate.tryAdmit(declared ?? 0, req.socket.remoteAddress ?? '');
      if (ticket === undefined) return refuseBusy(reply, encodingOf(req), gate, gate.lastRefusal);
      tickets.set(req, ticket);
      const watched: { watch: BodyWatch; body?: Transform } = {
        watch: new BodyWatch(stall, {
          stall: () => ticket.suspend(),
          resume: () => ticket.resume(),
          timeout: (why) => {
            const err = new BodyTimeoutError(`request timeout: ${why}`);
            // fails fastify's body read, whose error handler answers 408; without a body stream yet, the socket goes
            if (watched.body) watched.body.destroy(err);
            else req.raw.destroy(err);
          },
        }),
      };
      watches.set(req, watched);
      // answered before the body was read (415, 429, 408...): let node drain the rest of it as it
      // does for an unread body, or the keep-alive connection would never take its next request
      reply.raw.once('finish', () => {
        if (watched.body !== undefined && !req.raw.readableEnded) {
          req.raw.unpipe(watched.body);
          req.raw.resume();
        }
      });
      // 'close' comes once the response is sent or the client is gone, on every path
      reply.raw.once('close', () => {
        watched.watch.stop();
        ticket.release();
      });
    });
    scope.addHook('preParsing', async (req, _reply, payload) => {
      const ticket = tickets.get(req);
      const watched = watches.get(req);
      if (ticket === undefined || watched === undefined) return payload;
      // Every body is watched for progress; a chunked one is also counted as it arrives. Not
      // stream.pipeline: on a refusal it would destroy the request, and with it the socket the
      // 429 goes out on; a client abort is passed on.
      const body = watchedStream(ticket, watched.watch, contentLengthOf(req) === undefined);
      watched.body = body;
      payload.once('error', (e) => body.destroy(e));
      return payload.pipe(body);
    });
    scope.removeAllContentTypeParsers();
    // every content type arrives as a Buffer; the handler decides (415 with an OTLP Status)
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      // fastify's own errors before our handler runs: body too large, bad Content-Length, ...
      if (err instanceof GateFullError) return refuseBusy(reply, encodingOf(req), gate);
      if (err instanceof BodyTimeoutError) {
        gate.stats.timedOut++;
        // the rest of the body is not worth waiting for: close the connection after this answer
        reply.header('connection', 'close');
        return sendStatus(reply, encodingOf(req), 408, CODE_DEADLINE_EXCEEDED, err.message);
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      const message = status === 413 ? `body exceeds the limit of ${maxBodyBytes} bytes` : err.message;
      if (status === 500) req.log.error({ err }, 'OTLP receiver error');
      return sendStatus(reply, encodingOf(req), status, status === 413 ? CODE_RESOURCE_EXHAUSTED : status === 500 ? CODE_INTERNAL : CODE_INVALID_ARGUMENT, message);
    });
    const routeOpts = { bodyLimit: maxBodyBytes };
    const route = (signal: Signal) => async (req: FastifyRequest, reply: FastifyReply) => {
      const ticket = tickets.get(req);
      watches.get(req)?.watch.stop(); // the body is complete
      // held until ingest ends, even if the client hangs up meanwhile: the batch is still in memory
      const unhold = ticket?.hold();
      try {
        // from the headers; a body that took long to arrive (the sender's link) still leaves half the time after it
        const now = performance.now();
        const deadline = Math.max((arrivals.get(req) ?? now) + answerDeadlineMs, now + answerDeadlineMs / 2);
        return await withAnswerDeadline(deadline, () => handle(req, reply, signal, { sink, limits, gate, turns, ticket, deadline, finishing, answerDeadlineMs, decoder, offThreadBytes }));
      } finally {
        unhold?.();
      }
    };
    scope.post('/v1/traces', routeOpts, route('traces'));
    scope.post('/v1/logs', routeOpts, route('logs'));
  });
  return gate.stats;
}
