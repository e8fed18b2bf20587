/**
 * A small list virtualiser: rows have known (computed) heights, so offsets are prefix sums and the
 * visible slice is found by binary search. Deterministic (no DOM measuring), hence testable in jsdom.
 */

/** offsets[i] = top of row i; offsets[n] = total height. */
export function prefixOffsets(heights: number[]): number[] {
  const out = new Array<number>(heights.length + 1);
  out[0] = 0;
  for (let i = 0; i < heights.length; i++) {
    out[i + 1] = out[i] + heights[i];
  }
  return out;
}

/** Index of the row containing pixel `y` (clamped to [0, n-1]). */
export function rowAt(offsets: number[], y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) {
    return 0;
  }
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= y) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

/** Rows [start, end) to render for a viewport, plus `overscan` rows on each side. */
export function visibleRange(
  offsets: number[],
  scrollTop: number,
  viewportHeight: number,
  overscan = 5
): { start: number; end: number } {
  const n = offsets.length - 1;
  if (n <= 0) {
    return { start: 0, end: 0 };
  }
  const first = rowAt(offsets, Math.max(0, scrollTop));
  const last = rowAt(offsets, Math.max(0, scrollTop + Math.max(viewportHeight, 1) - 1));
  return { start: Math.max(0, first - overscan), end: Math.min(n, last + 1 + overscan) };
}
