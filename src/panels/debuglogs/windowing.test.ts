import { prefixOffsets, rowAt, visibleRange } from './windowing';

describe('windowing', () => {
  const offsets = prefixOffsets([10, 10, 50, 10, 10]);

  it('prefix sums the heights', () => {
    expect(offsets).toEqual([0, 10, 20, 70, 80, 90]);
  });

  it('finds the row under a pixel', () => {
    expect(rowAt(offsets, 0)).toBe(0);
    expect(rowAt(offsets, 19)).toBe(1);
    expect(rowAt(offsets, 20)).toBe(2);
    expect(rowAt(offsets, 69)).toBe(2);
    expect(rowAt(offsets, 500)).toBe(4);
  });

  it('returns the visible slice with overscan, clamped', () => {
    expect(visibleRange(offsets, 25, 30, 0)).toEqual({ start: 2, end: 3 });
    expect(visibleRange(offsets, 25, 50, 1)).toEqual({ start: 1, end: 5 });
    expect(visibleRange(prefixOffsets([]), 0, 100)).toEqual({ start: 0, end: 0 });
  });

  it('keeps a 10,000-row window small', () => {
    const big = prefixOffsets(new Array(10000).fill(28));
    const r = visibleRange(big, 28 * 5000, 280, 5);
    expect(r).toEqual({ start: 4995, end: 5015 });
  });
});
