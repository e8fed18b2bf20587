import type { AttributeValue } from '../api';

/** Attribute bags as the API carries them; `undefined` is tolerated so a malformed span never crashes a reader. */
export type Attrs = Record<string, AttributeValue> | undefined;

/**
 * The value of the first of `names` present in `attrs`. Kong renamed attributes across versions
 * (`http.status_code` → `http.response.status_code`, ...), so callers list the new name first and
 * the old ones after it. `null` counts as absent: OTLP has no null, it only appears for an empty AnyValue.
 */
export function getAttr(attrs: Attrs, ...names: string[]): AttributeValue | undefined {
  if (!attrs) return undefined;
  for (const name of names) {
    const v = attrs[name];
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

// A plain decimal (optionally signed, fractional or exponent); rejects '', ' ', '0x1f', 'Infinity'.
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A number from int, double or numeric-string values (Kong sends all three for the same key across versions). */
export function toNumber(v: AttributeValue | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') {
    const s = v.trim();
    return NUMERIC.test(s) ? Number(s) : undefined;
  }
  return undefined;
}

/** The first of `names` that holds a usable number; a non-numeric value under an earlier name does not hide a later one. */
export function numberAttr(attrs: Attrs, ...names: string[]): number | undefined {
  return numberAttrIn(attrs, names);
}

/** numberAttr over a list of names (no array built per call: the analysis runs for every ingested trace). */
export function numberAttrIn(attrs: Attrs, names: readonly string[]): number | undefined {
  if (!attrs) return undefined;
  for (const name of names) {
    const n = toNumber(attrs[name]);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** The first of `names` that holds a non-empty string (numbers are stringified: ids and ports sometimes arrive as ints). */
export function stringAttr(attrs: Attrs, ...names: string[]): string | undefined {
  return stringAttrIn(attrs, names);
}

/** stringAttr over a list of names. */
export function stringAttrIn(attrs: Attrs, names: readonly string[]): string | undefined {
  if (!attrs) return undefined;
  for (const name of names) {
    const v = attrs[name];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}
