/**
 * Adaptive duration text like the Konnect viewer: ns, µs, ms, s, m, h. Up to two decimals with
 * trailing zeros dropped ("1.5ms", "35.12ms", "850ns"). A value that rounds up to 1000 of a unit
 * moves to the next unit ("999.999µs" → "1ms"). Non-finite input → "n/a"; negatives keep their sign.
 */
const UNITS: Array<[string, number]> = [
  ['ns', 1],
  ['µs', 1e3],
  ['ms', 1e6],
  ['s', 1e9],
  ['m', 60e9],
  ['h', 3600e9],
];

export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns < 0) return `-${formatDuration(-ns)}`;
  if (Math.round(ns * 100) / 100 < 1000) return `${round2(ns)}ns`;
  for (let i = UNITS.length - 1; i >= 1; i--) {
    const [unit, size] = UNITS[i];
    if (ns >= size) return `${round2(ns / size)}${unit}`;
    // a value just under a unit boundary that rounds up to it belongs to that unit
    const lower = UNITS[i - 1];
    const limit = i - 1 >= 3 ? size / lower[1] : 1000;
    if (Math.round((ns / lower[1]) * 100) / 100 >= limit) return `1${unit}`;
  }
  return `${round2(ns)}ns`;
}

function round2(v: number): string {
  return String(Math.round(v * 100) / 100);
}
