/*
 * Jobs for pool.test.ts, run on the pool's worker threads.
 */

/** holds its worker until the main thread sets the flag (Atomics), then returns its list */
export function holdUntilReleased(input: { flag: SharedArrayBuffer; items: number }): { items: Array<{ i: number; big: bigint }>; note: string } {
  const flag = new Int32Array(input.flag);
  while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 50);
  return { items: Array.from({ length: input.items }, (_, i) => ({ i, big: BigInt(i) << 40n })), note: 'done' };
}

export class JobError extends Error {
  status = 418;
  constructor(message: string) {
    super(message);
    this.name = 'JobError';
  }
}

/** fails as a job can: a named error class with a plain property */
export function fail(input: { message: string }): never {
  throw new JobError(input.message);
}

/** the worker dies under the job */
export function crash(): never {
  process.exit(3);
}

/** keeps allocating until its worker runs out of heap */
export function exhaustHeap(): number {
  const held: number[][] = [];
  for (;;) held.push(new Array(1e6).fill(held.length));
}
