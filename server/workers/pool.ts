import { deserialize } from 'node:v8';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/*
 * CPU-heavy pure work (parsing a 16 MiB upload or OTLP body: hundreds of ms) on worker threads, so no request
 * blocks the event loop for the others. What a worker returns comes back as v8-serialized bytes, and its large
 * lists (`slices`) as separate chunks the main thread deserializes one per event-loop turn: measured on a 16 MiB
 * OTLP/JSON body, deserializing the decoded batch in one piece took 300-440 ms, most of what decoding it took.
 * A bounded pool: `size` threads and at most `maxQueued` jobs waiting for one; past that `run` throws PoolBusyError
 * at once (the caller answers "busy", as for any other capacity limit).
 */

// Plain JavaScript run by each worker (a worker does not go through the parent's loader): it loads the TypeScript
// module through tsx, as bin/kong-debugger.js does for the server, and calls the named export.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const v8 = require('node:v8');
require(workerData.tsx);
const mod = require(workerData.module);
function at(value, path) {
  for (const key of path) value = value == null ? undefined : value[key];
  return value;
}
parentPort.on('message', ({ id, fn, args, slices, chunkItems }) => {
  let out;
  try {
    const value = mod[fn](...args);
    const parts = [];
    for (const path of slices) {
      const holder = at(value, path.slice(0, -1));
      const key = path[path.length - 1];
      const list = holder == null ? undefined : holder[key];
      const chunks = [];
      if (Array.isArray(list)) {
        holder[key] = [];
        for (let i = 0; i < list.length; i += chunkItems) chunks.push(v8.serialize(list.slice(i, i + chunkItems)));
      }
      parts.push(chunks);
    }
    out = { id, head: v8.serialize(value), parts };
  } catch (e) {
    const props = {};
    if (e && typeof e === 'object') for (const k of Object.keys(e)) if (typeof e[k] !== 'object' && typeof e[k] !== 'function') props[k] = e[k];
    const name = (e && e.constructor && e.constructor.name) || (e && e.name) || 'Error';
    out = { id, error: { name, message: String((e && e.message) || e), props } };
  }
  const transfer = [];
  if (out.head) for (const b of [out.head, ...out.parts.flat()]) if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) transfer.push(b.buffer);
  parentPort.postMessage(out, transfer);
});
`;

/** the pool is at its bound: `size` jobs running and `maxQueued` waiting */
export class PoolBusyError extends Error {
  constructor(
    message: string,
    readonly running: number,
    readonly queued: number,
  ) {
    super(message);
    this.name = 'PoolBusyError';
  }
}

/** what a job threw in the worker: its class's name, message and plain own properties (a status, a code) */
export interface WorkerFailure {
  name: string;
  message: string;
  props: Record<string, unknown>;
}

export interface PoolOptions {
  /** absolute path of the module whose exports the workers call (loaded through tsx) */
  module: string;
  /** worker threads, started on first use (default 1) */
  size?: number;
  /** jobs waiting for a worker at most; more are refused with PoolBusyError (default: unbounded) */
  maxQueued?: number;
  /** items per chunk of a sliced list, each deserialized in its own event-loop turn (default 512) */
  chunkItems?: number;
  /** what a worker's failure becomes on this side (default: an Error with its message) */
  revive?: (f: WorkerFailure) => Error;
  /** used in messages: what the pool does ("OTLP decoder", "upload parser") */
  name?: string;
  /** each worker's heap limits; a job past them fails (its worker stops and is replaced), the process goes on */
  resourceLimits?: ResourceLimits;
}

interface Job {
  fn: string;
  args: unknown[];
  transfer: ArrayBuffer[];
  slices: string[][];
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Done {
  id: number;
  head?: Uint8Array;
  parts?: Uint8Array[][];
  error?: WorkerFailure;
}

interface Slot {
  worker: Worker;
  job?: Job & { id: number };
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private readonly size: number;
  private readonly maxQueued: number;
  private readonly chunkItems: number;
  private readonly name: string;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    this.size = Math.max(1, opts.size ?? 1);
    this.maxQueued = opts.maxQueued ?? Infinity;
    this.chunkItems = Math.max(1, opts.chunkItems ?? 512);
    this.name = opts.name ?? 'worker pool';
  }

  /** jobs running now */
  get running(): number {
    return this.slots.filter((s) => s.job !== undefined).length;
  }

  /** jobs waiting for a worker */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Calls the module's export `fn` with `args` (structured-cloned; `transfer` moves buffers instead) in a worker.
   * Each path in `slices` names a list in the result that comes back in chunks, one deserialized per turn.
   * Throws PoolBusyError at once when the pool is at its bound.
   */
  run<T>(fn: string, args: unknown[], opts: { transfer?: ArrayBuffer[]; slices?: string[][] } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`the ${this.name} is stopped`));
    const idle = this.idleSlot();
    if (idle === undefined && this.queue.length >= this.maxQueued) {
      const running = this.running;
      return Promise.reject(new PoolBusyError(`the ${this.name} is busy: ${running} jobs running, ${this.queue.length} waiting (limit ${this.maxQueued})`, running, this.queue.length));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = { fn, args, transfer: opts.transfer ?? [], slices: opts.slices ?? [], resolve: resolve as (v: unknown) => void, reject };
      if (idle !== undefined) this.start(idle, job);
      else this.queue.push(job);
    });
  }

  /** stops every worker; jobs running or waiting fail */
  async close(): Promise<void> {
    this.closed = true;
    const err = new Error(`the ${this.name} is stopped`);
    for (const job of this.queue.splice(0)) job.reject(err);
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.job?.reject(err);
      s.job = undefined;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** an idle worker, starting one while there are fewer than `size` */
  private idleSlot(): Slot | undefined {
    const idle = this.slots.find((s) => s.job === undefined);
    if (idle !== undefined || this.slots.length >= this.size) return idle;
    const slot: Slot = { worker: this.spawn() };
    this.slots.push(slot);
    this.watch(slot);
    return slot;
  }

  private spawn(): Worker {
    const w = new Worker(WORKER, { eval: true, workerData: { tsx: require.resolve('tsx/cjs'), module: this.opts.module }, resourceLimits: this.opts.resourceLimits });
    w.unref(); // an idle pool does not keep the process up
    return w;
  }

  private watch(slot: Slot): void {
    const w = slot.worker;
    w.on('message', (m: Done) => {
      const job = slot.job;
      if (job === undefined || job.id !== m.id) return;
      slot.job = undefined;
      w.unref();
      this.startNext(slot);
      if (m.error) job.reject(this.opts.revive ? this.opts.revive(m.error) : Object.assign(new Error(m.error.message), { name: m.error.name }));
      else this.assemble(m, job.slices).then(job.resolve, job.reject);
    });
    // A worker that crashed (out of memory, a bug) fails the job it held; a new one takes its place.
    const fail = (e: Error) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      slot.job?.reject(new Error(`the ${this.name} stopped: ${e.message}`));
      slot.job = undefined;
      const next = this.queue.shift();
      if (next !== undefined) {
        const s = this.idleSlot();
        if (s !== undefined) this.start(s, next);
        else this.queue.unshift(next);
      }
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  }

  private start(slot: Slot, job: Job): void {
    const id = this.nextId++;
    slot.job = { ...job, id };
    slot.worker.ref(); // a job in progress keeps the process up
    slot.worker.postMessage({ id, fn: job.fn, args: job.args, slices: job.slices, chunkItems: this.chunkItems }, job.transfer);
  }

  private startNext(slot: Slot): void {
    const next = this.queue.shift();
    if (next !== undefined) this.start(slot, next);
  }

  /** the result, its sliced lists deserialized a chunk per event-loop turn so other requests run between them */
  private async assemble(m: Done, slices: string[][]): Promise<unknown> {
    const value = deserialize(m.head!) as Record<string, unknown>;
    for (let p = 0; p < slices.length; p++) {
      const chunks = m.parts![p];
      if (chunks.length === 0) continue;
      const path = slices[p];
      let holder: any = value;
      for (const key of path.slice(0, -1)) holder = holder[key];
      const list: unknown[] = holder[path[path.length - 1]];
      for (const chunk of chunks) {
        await nextTurn();
        const items = deserialize(chunk) as unknown[];
        for (let i = 0; i < items.length; i++) list.push(items[i]);
      }
    }
    return value;
  }
}
