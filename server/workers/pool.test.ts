import path from 'node:path';
import { PoolBusyError, WorkerPool } from './pool';

const MODULE = path.join(__dirname, `testing-jobs${path.extname(__filename)}`);

let pool: WorkerPool;
afterEach(() => pool?.close());

const released = () => {
  const flag = new SharedArrayBuffer(4);
  return { flag, release: () => (Atomics.store(new Int32Array(flag), 0, 1), Atomics.notify(new Int32Array(flag), 0)) };
};

describe('WorkerPool', () => {
  it('returns what the job returned, its sliced list reassembled in order from its chunks', async () => {
    pool = new WorkerPool({ module: MODULE, size: 1, chunkItems: 100 });
    const { flag, release } = released();
    release();
    const out = await pool.run<{ items: Array<{ i: number; big: bigint }>; note: string }>('holdUntilReleased', [{ flag, items: 1050 }], { slices: [['items']] });
    expect(out.note).toBe('done');
    expect(out.items.map((x) => x.i)).toEqual(Array.from({ length: 1050 }, (_, i) => i));
    expect(out.items[1049].big).toBe(1049n << 40n);
  });

  it('refuses a job at once when every worker is busy and the queue is full, and runs the queued one after', async () => {
    pool = new WorkerPool({ module: MODULE, size: 1, maxQueued: 1, name: 'test pool' });
    const a = released();
    const b = released();
    const first = pool.run('holdUntilReleased', [{ flag: a.flag, items: 1 }]);
    const second = pool.run('holdUntilReleased', [{ flag: b.flag, items: 2 }]);
    expect(pool.running).toBe(1);
    expect(pool.queued).toBe(1);
    const third = pool.run('holdUntilReleased', [{ flag: b.flag, items: 3 }]);
    await expect(third).rejects.toThrow(PoolBusyError);
    await expect(third).rejects.toThrow('the test pool is busy: 1 jobs running, 1 waiting (limit 1)');
    a.release();
    b.release();
    expect(await first).toMatchObject({ items: [{ i: 0 }] });
    expect(await second).toMatchObject({ items: [{ i: 0 }, { i: 1 }] });
    expect(pool.running + pool.queued).toBe(0);
  });

  it("passes a job's error back with its class name, message and plain properties", async () => {
    pool = new WorkerPool({ module: MODULE, revive: (f) => Object.assign(new RangeError(`${f.name}: ${f.message}`), f.props) });
    const e: Error & { status?: number } = await pool.run<never>('fail', [{ message: 'no such thing' }]).catch((x: Error) => x);
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('JobError: no such thing');
    expect(e.status).toBe(418);
  });

  it("fails a job past the worker's heap limit, not the process", async () => {
    pool = new WorkerPool({ module: MODULE, size: 1, name: 'test pool', resourceLimits: { maxOldGenerationSizeMb: 32 } });
    await expect(pool.run('exhaustHeap', [])).rejects.toThrow(/^the test pool stopped: .*memory/);
    const { flag, release } = released();
    release();
    expect(await pool.run('holdUntilReleased', [{ flag, items: 1 }])).toMatchObject({ note: 'done' });
  });

  it('fails the job of a worker that died, and starts a new worker for the next', async () => {
    pool = new WorkerPool({ module: MODULE, size: 1, name: 'test pool' });
    await expect(pool.run('crash', [{}])).rejects.toThrow('the test pool stopped: exit code 3');
    const { flag, release } = released();
    release();
    expect(await pool.run('holdUntilReleased', [{ flag, items: 1 }])).toMatchObject({ note: 'done' });
  });
});
