/**
 * Sets of Unicode scalar values as sorted, disjoint, non-adjacent inclusive ranges
 * `[lo0, hi0, lo1, hi1, …]`. Pure functions; the class algebra of Rust's regex (union, `&&`, `--`,
 * `~~`, negation) happens here, so the engine only ever sees plain ranges.
 */
export type CharSet = readonly number[];

export const MAX_CP = 0x10ffff;
const SURROGATES: CharSet = [0xd800, 0xdfff];

/** Sort, merge overlapping and adjacent ranges. */
export function normalize(ranges: readonly number[]): CharSet {
  const pairs: [number, number][] = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i], ranges[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}

export function union(a: CharSet, b: CharSet): CharSet {
  return normalize([...a, ...b]);
}

/** Everything in 0..0x10FFFF that is not in `a`, surrogates excluded (Rust classes hold scalar values). */
export function complement(a: CharSet): CharSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i] > next) out.push(next, a[i] - 1);
    next = a[i + 1] + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return subtractRaw(out, SURROGATES);
}

function subtractRaw(a: CharSet, b: CharSet): CharSet {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let lo = a[i];
    const hi = a[i + 1];
    while (j < b.length && b[j + 1] < lo) j += 2;
    let k = j;
    while (k < b.length && b[k] <= hi && lo <= hi) {
      if (b[k] > lo) out.push(lo, b[k] - 1);
      lo = Math.max(lo, b[k + 1] + 1);
      k += 2;
    }
    if (lo <= hi) out.push(lo, hi);
  }
  return out;
}

export function subtract(a: CharSet, b: CharSet): CharSet {
  return subtractRaw(a, b);
}

export function intersect(a: CharSet, b: CharSet): CharSet {
  return subtractRaw(a, subtractRaw(a, b));
}

export function symmetricDifference(a: CharSet, b: CharSet): CharSet {
  return union(subtractRaw(a, b), subtractRaw(b, a));
}

export function has(set: CharSet, cp: number): boolean {
  let lo = 0;
  let hi = set.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < set[2 * mid]) hi = mid - 1;
    else if (cp > set[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

export function single(cp: number): CharSet {
  return [cp, cp];
}
