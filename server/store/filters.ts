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

/**
 * The span-errors filter (`spanErrorsOnly`), on a `session_traces` row aliased `st`. The count is kept in the
 * digest both tables already store (common/lifecycle/digest.ts `spanErrors`), so it needs no column and no
 * migration; rows stored before it carry none and do not match.
 */
export const SPAN_ERRORS_WHERE = {
  sqlite: `json_extract(st.digest, '$.spanErrors') > 0`,
  postgres: `(st.digest::json ->> 'spanErrors')::int > 0`,
} as const;

/** TraceListItem.spanErrorCount from a stored digest (JSON text), when it has one. */
export function spanErrorsOfDigest(digest: unknown): number | undefined {
  if (typeof digest !== 'string') return undefined;
  try {
    const n = (JSON.parse(digest) as { spanErrors?: unknown }).spanErrors;
    return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
