/**
 * Konnect's lifecycle-map colour scale: index = floor(log10(ns)) − 3, clamped to 0..6
 * (≤ 9.99 µs → 0, 10 µs → 1, 100 µs → 2, 1 ms → 3, 10 ms → 4, 100 ms → 5, ≥ 1 s → 6).
 * Computed from the digit count rather than Math.log10 so exact powers of ten never land one
 * bucket low through floating-point error.
 */
export function colorIndex(ns: number): number {
  if (!(ns >= 1)) return 0; // also catches NaN
  if (ns >= 1e9) return 6;
  const digits = Math.floor(ns).toString().length; // floor(log10(ns)) + 1
  return Math.min(6, Math.max(0, digits - 1 - 3));
}
