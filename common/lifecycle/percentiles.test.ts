import { percentiles } from './percentiles';

describe('percentiles (nearest rank)', () => {
  it('1..100: rank ceil(p·n) picks the value itself', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
    expect(percentiles(values)).toEqual({ count: 100, p50Ns: 50, p95Ns: 95, p99Ns: 99, maxNs: 100 });
  });
  it('small sets: n=5 → p50 rank 3, p95/p99 rank 5', () => {
    expect(percentiles([10, 40, 20, 50, 30])).toEqual({ count: 5, p50Ns: 30, p95Ns: 50, p99Ns: 50, maxNs: 50 });
    expect(percentiles([7])).toEqual({ count: 1, p50Ns: 7, p95Ns: 7, p99Ns: 7, maxNs: 7 });
    // n=20: p50 rank 10, p95 rank 19, p99 rank 20
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    expect(percentiles(twenty)).toEqual({ count: 20, p50Ns: 100, p95Ns: 190, p99Ns: 200, maxNs: 200 });
  });
  it('empty → zeros; non-finite values ignored; numeric (not lexical) order', () => {
    expect(percentiles([])).toEqual({ count: 0, p50Ns: 0, p95Ns: 0, p99Ns: 0, maxNs: 0 });
    expect(percentiles([NaN, Infinity, 9, 100, 10])).toEqual({ count: 3, p50Ns: 10, p95Ns: 100, p99Ns: 100, maxNs: 100 });
  });
});

describe('percentiles against a full sort', () => {
  it('agrees with sort-based nearest rank on many random, duplicate-heavy and ordered sets', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const cases: number[][] = [];
    for (let n = 1; n <= 300; n += 7) {
      cases.push(Array.from({ length: n }, () => Math.floor(rnd() * 1e6)));
      cases.push(Array.from({ length: n }, () => Math.floor(rnd() * 3))); // many ties
      cases.push(Array.from({ length: n }, (_, i) => i)); // sorted
      cases.push(Array.from({ length: n }, (_, i) => n - i)); // reversed
    }
    for (const values of cases) {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1];
      expect(percentiles(values)).toEqual({ count: values.length, p50Ns: at(50), p95Ns: at(95), p99Ns: at(99), maxNs: sorted[sorted.length - 1] });
    }
  });
});

describe('percentiles against a full sort', () => {
  it('gives the nearest ranks of the sorted values, on random data with many repeats', () => {
    let seed = 7;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(next() * 3000);
      const spread = [3, 100, 1e9][round % 3];
      const values = Array.from({ length: n }, () => Math.floor(next() * spread) - (round % 4 === 0 ? spread / 2 : 0));
      const sorted = [...values].sort((a, b) => a - b);
      const at = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * n)) - 1];
      expect(percentiles(values)).toEqual({ count: n, p50Ns: at(50), p95Ns: at(95), p99Ns: at(99), maxNs: sorted[n - 1] });
    }
  });
});
