import fs from 'node:fs';
import { TurnScheduler } from './turns';

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
});
