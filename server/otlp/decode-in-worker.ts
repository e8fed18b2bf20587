import os from 'node:os';
import path from 'node:path';
import { PoolBusyError, WorkerPool, type WorkerFailure } from '../workers/pool';
import { OtlpDecodeError } from './errors';
import { ItemCountError, prepareBatch, type PrepareInput, type Prepared } from './prepare';

/*
 * Large OTLP bodies are prepared (decoded, counted, limited: prepare.ts) on worker threads. Measured on this
 * project's 2-core machine under load: a 16 MiB OTLP/JSON body (37k Kong spans) took 450-900 ms to decode and a
 * 15 MiB protobuf one 830-1040 ms, the event loop blocked all along for every other client. Bodies under
 * `offThreadBytes` (Kong's batches of 200 spans, 100-200 KiB: a few ms) are prepared in place: a worker's
 * round trip would cost more than it saves.
 */

/** bodies of at least this many bytes (after decompression) are decoded off the event loop: about 10 ms of work */
export const DEFAULT_OFF_THREAD_BYTES = 256 * 1024;

/** worker threads: all cores but one for the event loop, at most 2 (few large bodies arrive at once) */
export const DEFAULT_DECODE_THREADS = Math.max(1, Math.min(2, os.availableParallelism() - 1));

/**
 * Bodies waiting for a thread at most; more are refused with 429. The admission gate's byte bound already holds
 * in-flight bodies to a few maximum-size ones; this keeps their wait short too.
 */
export const DEFAULT_DECODE_QUEUE = 4;

/** each decode thread's old-generation limit, MiB */
export const DECODE_THREAD_HEAP_MB = 512;

export interface DecodePoolOptions {
  threads?: number;
  maxQueued?: number;
}

function revive(f: WorkerFailure): Error {
  if (f.name === 'OtlpDecodeError') return new OtlpDecodeError(f.message);
  if (f.name === 'ItemCountError') return new ItemCountError(f.message);
  return new Error(`decoding failed: ${f.message}`);
}

export class DecodePool {
  private readonly pool: WorkerPool;

  constructor(opts: DecodePoolOptions = {}) {
    this.pool = new WorkerPool({
      module: path.join(__dirname, `prepare${path.extname(__filename)}`),
      size: opts.threads ?? DEFAULT_DECODE_THREADS,
      maxQueued: opts.maxQueued ?? DEFAULT_DECODE_QUEUE,
      revive,
      name: 'OTLP decoder',
      // A 16 MiB body decodes in well under 256 MiB of heap; a body that needs more fails alone (500), and the
      // limit keeps V8 from growing an idle worker's heap to several times what it last used (server/cli/heap.ts).
      resourceLimits: { maxOldGenerationSizeMb: DECODE_THREAD_HEAP_MB },
    });
  }

  /** prepareBatch on a worker; the same result and errors, or PoolBusyError when every thread is busy and the queue full */
  prepare(input: PrepareInput): Promise<Prepared> {
    // a copy the worker can own (the request body may be a slice of a shared pool, and stays the request's)
    const body = new Uint8Array(input.body);
    const slices = input.signal === 'traces' ? [['batch', 'spans']] : [['batch', 'records']];
    return this.pool.run<Prepared>('prepareBatch', [{ ...input, body }], { transfer: [body.buffer as ArrayBuffer], slices });
  }

  get running(): number {
    return this.pool.running;
  }

  get queued(): number {
    return this.pool.queued;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export { PoolBusyError };
