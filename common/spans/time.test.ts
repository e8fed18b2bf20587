import { compareByStart, earliestStart, overlapLength, parseNs, spanTimes, unionLength } from './time';
import { makeSpan } from './testing';

describe('time helpers', () => {
  it('parseNs accepts decimal integer strings only', () => {
    expect(parseNs('1751364930123000000')).toBe(BigInt('1751364930123000000'));
    for (const s of ['', '1.5', '-1', '1e9', 'abc', undefined]) expect(parseNs(s)).toBeUndefined();
  });
  it('unionLength merges overlaps and touching intervals, ignores empty ones', () => {
    expect(unionLength([])).toBe(0);
    expect(unionLength([{ start: 0, end: 10 }, { start: 5, end: 15 }, { start: 15, end: 20 }, { start: 30, end: 30 }, { start: 40, end: 41 }])).toBe(21);
    expect(unionLength([{ start: 0, end: 100 }, { start: 10, end: 20 }])).toBe(100);
  });
  it('overlapLength clips to the target and does not double count', () => {
    expect(overlapLength({ start: 10, end: 20 }, [{ start: 0, end: 12 }, { start: 11, end: 13 }, { start: 18, end: 30 }])).toBe(5);
  });
  it('compareByStart is exact beyond double precision', () => {
    const a = makeSpan({ spanId: 'a'.repeat(16), name: 'a', start: 1, end: 2, base: '1751364930123000000' });
    const b = makeSpan({ spanId: 'b'.repeat(16), name: 'b', start: 0, end: 2, base: '1751364930123000000' });
    expect(a.startTimeMs).toBe(b.startTimeMs); // 1 ns apart: equal as ms doubles
    expect([a, b].sort(compareByStart).map((s) => s.name)).toEqual(['b', 'a']);
  });

  it('spanTimes gives exactly the BigInt offsets from the earliest start, and says when they order exactly', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const digits = (n: number) => Array.from({ length: n }, () => String(rnd(10))).join('');
    const T0 = '1765432100123456789';
    const odd = ['', 'x', '-1', '1.5', ' 1', '0', '1', '000' + T0, '9'.repeat(23), '1' + '0'.repeat(24), '12345678901234567890123456789', T0 + '0'];
    const stamp = () => {
      const r = rnd(10);
      if (r < 5) return (BigInt(T0) + BigInt(rnd(5_000_000_000))).toString(); // within seconds
      if (r < 6) return (BigInt(T0) + BigInt(digits(17))).toString(); // up to 10^17 ns later: past 2^53
      if (r < 7) return (BigInt(T0) - BigInt(digits(16))).toString(); // earlier
      return odd[rnd(odd.length)];
    };
    const plus = (t: string, d: string) => (BigInt(t) + BigInt(d)).toString();
    const LONG = '12345678901234567890123456789';
    const cases: Array<Array<[string, string]>> = [
      // offsets past 2^53 that a double cannot tell apart: ordered by their bigints
      [[T0, T0], [plus(T0, '100000000000000001'), ''], [plus(T0, '100000000000000000'), '']],
      // timestamps too long to split exactly, a second apart
      [[plus(LONG, '1000000000'), plus(LONG, '2000000001')], [LONG, plus(LONG, '1')]],
    ];
    for (let round = 0; round < 3000; round++) cases.push(Array.from({ length: 1 + rnd(6) }, () => [stamp(), stamp()]));
    for (const c of cases) {
      const spans = c.map(([start, end], i) => ({ ...makeSpan({ spanId: `s${i}`, name: 'x', start: 0, end: 0 }), startTimeUnixNano: start, endTimeUnixNano: end }));
      const base = earliestStart(spans) ?? BigInt(0);
      const want = (t: string) => {
        const v = parseNs(t);
        return v === undefined ? undefined : Number(v - base);
      };
      const t = spanTimes(spans);
      const where = JSON.stringify(spans.map((s) => [s.startTimeUnixNano, s.endTimeUnixNano]));
      expect([where, spans.map((_, i) => t.start[i])]).toEqual([where, spans.map((s) => (parseNs(s.startTimeUnixNano) === undefined ? undefined : want(s.startTimeUnixNano)))]);
      // an end only matters beside a start (spanInterval)
      expect([where, spans.map((_, i) => t.end(i)).filter((_, i) => t.start[i] !== undefined)]).toEqual([where, spans.filter((s) => parseNs(s.startTimeUnixNano) !== undefined).map((s) => want(s.endTimeUnixNano))]);
      if (t.exact) {
        for (let i = 0; i < spans.length; i++) {
          for (let j = 0; j < spans.length; j++) {
            const [x, y] = [parseNs(spans[i].startTimeUnixNano), parseNs(spans[j].startTimeUnixNano)];
            if (x !== undefined && y !== undefined) expect([where, Math.sign(t.start[i]! - t.start[j]!)]).toEqual([where, x < y ? -1 : x > y ? 1 : 0]);
          }
        }
      }
    }
  });
});
