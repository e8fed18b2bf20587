/**
 * The trace list's status filter: an exact code ("503"), a class ("5xx") or an inclusive range ("500-599").
 * Returns the inclusive [low, high] bounds, or throws a RangeError whose message says what is accepted.
 */
export function parseStatusFilter(raw: string): [number, number] {
  const s = raw.trim().toLowerCase();
  let m = /^([1-5])xx$/.exec(s);
  if (m) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
  m = /^(\d{3})$/.exec(s);
  if (m) return [Number(m[1]), Number(m[1])];
  m = /^(\d{3})\s*-\s*(\d{3})$/.exec(s);
  if (m && Number(m[1]) <= Number(m[2])) return [Number(m[1]), Number(m[2])];
  throw new RangeError(`invalid status filter "${raw}": use a code (503), a class (5xx) or a range (500-599)`);
}
