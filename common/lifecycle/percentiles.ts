import type { Percentiles } from '../api';

/**
 * Nearest-rank percentiles: the value at rank ceil(p/100 · n) of the ordered data, so every
 * result is a value that occurred. Non-finite values are ignored; no values → all zeros.
 *
 * Implemented with in-place selection (quickselect) instead of a full sort: a session summary
 * needs only three ranks and the max per key, and sorting 10,000-value typed arrays for a dozen
 * keys cost ~50 ms on the target machine, selection a few.
 */
export function percentiles(values: number[]): Percentiles {
  return percentilesInPlace(Float64Array.from(values.filter(Number.isFinite)));
}

/** Same, reordering `data` (a scratch buffer the caller owns; must hold finite numbers only). */
export function percentilesInPlace(data: Float64Array): Percentiles {
  const n = data.length;
  if (n === 0) return { count: 0, p50Ns: 0, p95Ns: 0, p99Ns: 0, maxNs: 0 };
  const rank = (p: number) => Math.max(1, Math.ceil((p / 100) * n)) - 1;
  let max = data[0];
  for (let i = 1; i < n; i++) if (data[i] > max) max = data[i];
  // Select the lowest rank first: afterwards everything right of it is ≥ it, so the higher ranks
  // can be selected inside that suffix only (half the data, then a twentieth: about half the work
  // of selecting the highest first and the lower ones in its prefix). The values are the same
  // order statistics either way.
  const r50 = rank(50);
  const r95 = rank(95);
  const r99 = rank(99);
  select(data, 0, n - 1, r50);
  select(data, r50, n - 1, r95);
  select(data, r95, n - 1, r99);
  return { count: n, p50Ns: data[r50], p95Ns: data[r95], p99Ns: data[r99], maxNs: max };
}

/** Hoare-style quickselect with a median-of-three pivot: puts the k-th smallest of a[lo..hi] at k. */
function select(a: Float64Array, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // order a[lo], a[mid], a[hi] so the pivot is their median (avoids O(n²) on sorted input)
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // now a[lo..j] ≤ pivot ≤ a[i..hi], and a[j+1..i-1] == pivot
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
