import { compareByStart, overlapLength, parseNs, unionLength } from './time';
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
});
