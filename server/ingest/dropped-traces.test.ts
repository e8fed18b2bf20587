import { prng } from '../testing/fuzz';
import { DroppedTraces } from './dropped-traces';

const hex = (r: () => number, n = 32) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');

describe('DroppedTraces', () => {
  it('remembers an id for exactly its time to live after it was last added, per tenant', () => {
    let now = 1_000;
    const d = new DroppedTraces(100, 1_000, () => now);
    const a = 'a'.repeat(32);
    d.add('t1', a);
    now = 1_099;
    expect([d.has('t1', a), d.has('t2', a)]).toEqual([true, false]);
    d.add('t1', a); // again: its time starts over
    now = 1_100;
    expect(d.has('t1', a)).toBe(true);
    now = 1_198;
    expect(d.has('t1', a)).toBe(true);
    now = 1_199;
    expect(d.has('t1', a)).toBe(false);
    now = 5_000;
    d.sweep();
    expect(d.size).toBe(0);
  });

  it('agrees with a plain map of last-added times over random adds, lookups and time (random and sequential ids)', () => {
    for (const seed of [1, 2, 3]) {
      const r = prng(seed);
      let now = 0;
      const ttl = 1_000;
      const d = new DroppedTraces(ttl, 1_000_000, () => now);
      const oracle = new Map<string, number>();
      const seen: string[] = [];
      let counter = 0;
      for (let step = 0; step < 20_000; step++) {
        now += Math.floor(r() * 3);
        const tenant = r() < 0.8 ? 'a' : 'b';
        const roll = r();
        // ids: random, sequential (some tracers count), or one seen before
        const id =
          roll < 0.4 ? hex(r) : roll < 0.6 ? (counter++).toString(16).padStart(32, '0') : roll < 0.9 && seen.length ? seen[Math.floor(r() * seen.length)] : hex(r);
        const key = `${tenant}/${id}`;
        if (r() < 0.5) {
          d.add(tenant, id);
          oracle.set(key, now);
          seen.push(id);
        } else {
          const at = oracle.get(key);
          expect([seed, step, d.has(tenant, id)]).toEqual([seed, step, at !== undefined && now - at < ttl]);
        }
        if (step % 5_000 === 0) d.sweep();
      }
    }
  });

  it("keeps at most its size a tenant, a generation's worth going first", () => {
    const now = 0;
    const d = new DroppedTraces(1_000, 4, () => now);
    const ids = ['1', '2', '3', '4', '5'].map((c) => c.repeat(32));
    for (const id of ids.slice(0, 4)) d.add('t', id);
    // two generations of two: all four held
    expect(ids.slice(0, 4).map((id) => d.has('t', id))).toEqual([true, true, true, true]);
    d.add('t', ids[4]);
    expect(ids.map((id) => d.has('t', id))).toEqual([false, false, true, true, true]);
    expect(d.size).toBeLessThanOrEqual(4);
  });

  it('takes ids the decoders never give (other forms, all zeros) without confusing them', () => {
    let now = 0;
    const d = new DroppedTraces(10, 100, () => now);
    const zero = '0'.repeat(32);
    d.add('t', zero);
    d.add('t', 'not-hex');
    d.add('t', 'A'.repeat(32));
    expect([d.has('t', zero), d.has('t', 'not-hex'), d.has('t', 'A'.repeat(32)), d.has('t', 'a'.repeat(32)), d.has('t', '1'.repeat(32))]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    now = 10;
    expect([d.has('t', zero), d.has('t', 'not-hex')]).toEqual([false, false]);
  });
});
