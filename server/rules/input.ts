import type { AttributeValue, Attributes } from '../../common/api';
import { FIELD_DEFS, type FieldDef } from './fields';
import { parseIpAddr, type IpAddr } from './ip';

/** A resolved field value: string (String), number or bigint beyond 2^53 (Int), IpAddr (IpAddr). */
export type FieldValue = string | number | bigint | IpAddr;

const ABSENT = null;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/**
 * Int from int, double or numeric string (real Kong sends latencies as doubles, some encoders "8000").
 * A fraction is truncated toward zero, as Kong does: atc-router's `lib/resty/router/context.lua`
 * (`_M:add_value`) assigns the Lua number to the `int64_t` field of the FFI `CValue`, and LuaJIT
 * converts a double to an integer C type with a C cast (`lj_cconv.c`, CCX(I, F)), which truncates:
 * 764.52 → 764, -0.5 → 0. NaN, ±Infinity, values beyond i64 and non-numeric strings → absent.
 */
export function toInt(v: AttributeValue | undefined): number | bigint | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    if (!Number.isInteger(v)) v = Math.trunc(v) + 0; // + 0 turns -0 into 0
    if (Number.isSafeInteger(v)) return v;
    const b = BigInt(v);
    return b >= I64_MIN && b <= I64_MAX ? b : undefined;
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (/^[-+]?[0-9]+$/.test(s)) {
      const b = BigInt(s);
      if (b < I64_MIN || b > I64_MAX) return undefined;
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    // "8000.0" is the integer 8000 and "764.52" truncates to 764 (as Lua's tonumber then the FFI cast); "abc" is not an Int
    if (s !== '' && /^[-+]?[0-9.eE+-]+$/.test(s)) return toInt(Number(s));
    return undefined;
  }
  return undefined;
}

function convert(def: FieldDef, raw: AttributeValue | undefined): FieldValue | null {
  if (raw === undefined || raw === null) return ABSENT;
  switch (def.type) {
    case 'String': {
      // strings only, plus numbers rendered in decimal (http.flavor may come as a double)
      const s = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : undefined;
      if (s === undefined) return ABSENT;
      return def.derive ? def.derive(s) : s;
    }
    case 'Int':
      return toInt(raw) ?? ABSENT;
    case 'IpAddr':
      return typeof raw === 'string' ? (parseIpAddr(raw.trim()) ?? ABSENT) : ABSENT;
  }
}

/**
 * What a rule is judged against: one trace's root span attributes (plus the resource's as a
 * fallback). Fields are resolved lazily on first use and cached, so building one costs almost
 * nothing and a rule pays only for the fields it reads.
 */
export class RuleInput {
  readonly attributes: Attributes;
  readonly resourceAttributes: Attributes | undefined;
  // a rule reads a handful of fields: four inline slots (no allocation) before falling back to a Map
  private k0 = -1;
  private k1 = -1;
  private k2 = -1;
  private k3 = -1;
  private v0: FieldValue | null = null;
  private v1: FieldValue | null = null;
  private v2: FieldValue | null = null;
  private v3: FieldValue | null = null;
  private more: Map<number, FieldValue | null> | undefined;

  constructor(
    attributes: Attributes,
    resourceAttributes?: Attributes,
    /** a root attribute's value as the rule may see it (ingest: redacted, read by read); the value itself when absent */
    private readonly reveal?: (key: string, value: AttributeValue) => AttributeValue,
  ) {
    this.attributes = attributes;
    this.resourceAttributes = resourceAttributes;
  }

  /** The value of field number `i` (index into FIELD_DEFS), or undefined when absent. */
  get(i: number): FieldValue | undefined {
    const v = this.lookup(i);
    return v === null ? undefined : v;
  }

  private lookup(i: number): FieldValue | null {
    if (this.k0 === i) return this.v0;
    if (this.k1 === i) return this.v1;
    if (this.k2 === i) return this.v2;
    if (this.k3 === i) return this.v3;
    const cached = this.more?.get(i);
    if (cached !== undefined) return cached;
    const v = this.resolve(FIELD_DEFS[i]);
    if (this.k0 === -1) {
      this.k0 = i;
      this.v0 = v;
    } else if (this.k1 === -1) {
      this.k1 = i;
      this.v1 = v;
    } else if (this.k2 === -1) {
      this.k2 = i;
      this.v2 = v;
    } else if (this.k3 === -1) {
      this.k3 = i;
      this.v3 = v;
    } else (this.more ??= new Map()).set(i, v);
    return v;
  }

  private resolve(def: FieldDef): FieldValue | null {
    for (const src of def.sources) {
      const own = this.attributes[src];
      const raw = own !== undefined && own !== null && this.reveal ? this.reveal(src, own) : (own ?? this.resourceAttributes?.[src]);
      if (raw !== undefined && raw !== null) {
        const v = convert(def, raw);
        // a present but unusable value (e.g. "n/a" for an Int) lets the next source try
        if (v !== null) return v;
      }
    }
    return ABSENT;
  }
}

export function makeRuleInput(rootSpanAttributes: Attributes, resourceAttributes?: Attributes, reveal?: (key: string, value: AttributeValue) => AttributeValue): RuleInput {
  return new RuleInput(rootSpanAttributes, resourceAttributes, reveal);
}
