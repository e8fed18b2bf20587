import fs from 'node:fs';
import http from 'node:http';
import { RecentMax, TurnScheduler } from './turns';

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('TurnScheduler', () => {
  test('as many callers per turn as the budget holds at the measured cost, at least one, in arrival order', async () => {
    let cost = 10;
    const turns = new TurnScheduler(25, () => cost);
    expect(turns.perTurn()).toBe(2);
    cost = 0;
    expect(turns.perTurn()).toBe(1); // unknown cost: one at a time
    cost = 100;
    expect(turns.perTurn()).toBe(1);
    cost = 0.01;
    expect(turns.perTurn()).toBe(64); // capped

    cost = 10;
    const started: number[] = [];
    const all = Array.from({ length: 5 }, (_, i) => turns.turn().then(() => started.push(i)));
    expect(turns.queued).toBe(5);
    await nextTurn();
    expect(started).toEqual([0, 1]);
    await nextTurn();
    expect(started).toEqual([0, 1, 2, 3]);
    await nextTurn();
    await Promise.all(all);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(turns.queued).toBe(0);
  });

  test('I/O is read between turns: a socket callback runs before the next caller starts', async () => {
    const turns = new TurnScheduler(25, () => 1000);
    const order: string[] = [];
    const a = turns.turn().then(() => {
      order.push('a');
      // I/O completing now is handled in the poll phase, before the next turn (check phase)
      fs.stat(__filename, () => order.push('io'));
      const end = Date.now() + 20;
      while (Date.now() < end);
    });
    const b = turns.turn().then(() => order.push('b'));
    await Promise.all([a, b]);
    // run back to back (both in one turn), b would come before the I/O callback
    expect(order).toEqual(['a', 'io', 'b']);
  });

  test('turns wait while connections are being accepted, up to maxDeferMs at a time', async () => {
    let accepts = 3;
    let t = 0;
    const turns = new TurnScheduler(25, () => 1, () => accepts-- > 0, 50, () => t);
    let started = 0;
    const done = turns.turn().then(() => started++);
    for (let i = 0; i < 3; i++) {
      await nextTurn();
      expect(started).toBe(0); // an accept happened since the last look: this iteration is theirs
    }
    await done;
    expect(started).toBe(1);
    // a flood of connections does not stop the work: after maxDeferMs a turn runs anyway
    accepts = Infinity;
    const flood = turns.turn().then(() => started++);
    await nextTurn();
    expect(started).toBe(1);
    t = 60;
    await flood;
    expect(started).toBe(2);
  });

  test("libuv accepts one connection per event-loop iteration (why turns give way to accepts)", async () => {
    const server = http.createServer((_req, res) => res.end());
    let accepted = 0;
    server.on('connection', () => accepted++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const sockets = await Promise.all(
      Array.from({ length: 10 }, () => new Promise<import('node:net').Socket>((r) => {
        const s = require('node:net').connect(port, '127.0.0.1');
        s.once('connect', () => r(s));
      })),
    );
    // all 10 are connected (in the kernel's accept queue or accepted); count accepts per iteration from here
    const perIteration: number[] = [];
    let before = accepted;
    while (accepted < 10) {
      const end = Date.now() + 5;
      while (Date.now() < end); // a busy iteration
      await nextTurn();
      perIteration.push(accepted - before);
      before = accepted;
    }
    expect(Math.max(...perIteration)).toBeLessThanOrEqual(2);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
});

describe('RecentMax', () => {
  test('the largest sample of the current and the previous window; forgotten after two', () => {
    let t = 0;
    const m = new RecentMax(() => t, 1000);
    expect(m.value).toBe(0);
    m.add(30);
    m.add(10);
    expect(m.value).toBe(30);
    t = 1500;
    m.add(5);
    expect(m.value).toBe(30); // the previous window still counts
    t = 2600;
    expect(m.value).toBe(5);
    t = 5000;
    expect(m.value).toBe(0);
  });
});
