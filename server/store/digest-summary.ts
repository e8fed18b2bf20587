import type { SessionSummary } from '../../common/api';
import { DIGEST_LATENCY_KEYS, SessionColumns, type Column, type DigestLatencyKey } from '../../common/lifecycle';
import { toDigest } from './rows';

/**
 * A session's summary (GET /sessions/{id}/summary) from its memberships' stored digests as the database gives them
 * (rows.ts storedDigest, any form): the same answer as summarizeSession over toDigest of each, with neither a digest
 * object nor a parsed JSON value a trace. Measured at 10,000 traces: reading the digests into objects cost five
 * times the percentiles, JSON.parse alone three times, and its garbage made the p99.
 *
 * A session's digests mostly share one text but for their numbers (the same plugins ran). So a digest is read as a
 * template, the text around its numbers, made from the first digest of that shape and kept: the next digest of the
 * shape is checked against it piece by piece and only its numbers are read (by JSON's grammar, to the values
 * JSON.parse gives). A digest no template fits is parsed, read in place, and gives a template for those after it.
 */
export function summarizeStoredDigests(sessionId: string, stored: readonly string[]): SessionSummary {
  const columns = new SessionColumns(stored.length);
  const reader = new DigestReader(columns);
  for (const text of stored) reader.add(text, 0, text.length);
  return columns.summary(sessionId, stored.length);
}

/** the separator of summarizeJoinedDigests: JSON.stringify never writes it raw */
export const DIGEST_SEPARATOR = '\n';

/**
 * The same from the session's `count` digests joined by DIGEST_SEPARATOR in one text (the database joins them: one
 * string to receive instead of a row each). Undefined when the text does not split into `count` (a digest holding
 * the separator, which JSON.stringify does not write): the caller then reads the digests one by one.
 */
export function summarizeJoinedDigests(sessionId: string, joined: string | null, count: number): SessionSummary | undefined {
  const ends: number[] = [];
  if (joined !== null) {
    for (let i = joined.indexOf(DIGEST_SEPARATOR); i >= 0; i = joined.indexOf(DIGEST_SEPARATOR, i + 1)) ends.push(i);
    ends.push(joined.length);
  }
  if (ends.length !== count) return undefined;
  const columns = new SessionColumns(count);
  const reader = new DigestReader(columns);
  let start = 0;
  for (const end of ends) {
    reader.add(joined!, start, end);
    start = end + 1;
  }
  return columns.summary(sessionId, count);
}

/** what a number of a template is: ignored (dialect, span errors), a node's value, or a latency value */
type Slot = { kind: 'skip' } | { kind: 'node'; key: string; column?: Column } | { kind: 'latency'; key: DigestLatencyKey };

/**
 * A digest's text but for its numbers: `codes`, the characters around them, and `holes`, where in `codes` each
 * number stands; `slots`, what each number is.
 */
interface Template {
  codes: Uint16Array;
  holes: Int32Array;
  slots: Slot[];
}

type Packed = Record<string, unknown>;

/** templates kept for one summary (sessions have few shapes: one per set of plugins that ran, and dialect) */
const MAX_TEMPLATES = 16;
/** templates made for one summary, past which digests are only parsed (shapes that do not repeat) */
const MAX_TEMPLATES_MADE = 256;
const SKIP: Slot = { kind: 'skip' };

class DigestReader {
  private readonly templates: Template[] = [];
  private made = 0;
  /** a digest's numbers, read before any is kept: a digest that turns out not to fit leaves nothing behind */
  private numbers = new Float64Array(64);
  /** phases of the packed nodes: whether toDigest unpacks them to keys nothing else makes, and their plugins' columns */
  private readonly phases = new Map<string, { plain: boolean; plugins: Map<string, Column> }>();
  /** other keys of the packed nodes: whether they have a dot after their first character, and their columns */
  private readonly values = new Map<string, { dotted: boolean; column?: Column }>();

  constructor(private readonly columns: SessionColumns) {}

  /** the digest text[start, end) */
  add(text: string, start: number, end: number): void {
    const list = this.templates;
    for (let i = 0; i < list.length; i++) {
      if (!this.fits(list[i], text, start, end)) continue;
      this.keep(list[i]);
      if (i > 0) [list[0], list[i]] = [list[i], list[0]];
      return;
    }
    const digest = start === 0 && end === text.length ? text : text.slice(start, end);
    const s: unknown = JSON.parse(digest);
    const nodes = Array.isArray(s) ? (s[2] as unknown) : undefined;
    if (typeof nodes !== 'object' || nodes === null || Array.isArray(nodes) || !this.unambiguous(nodes as Packed)) {
      this.columns.addDigest(toDigest({ digest }));
      return;
    }
    const t = this.made < MAX_TEMPLATES_MADE ? templateOf(s as unknown[]) : undefined;
    if (t) this.made++;
    // A template is only kept when the text is exactly it (JSON.stringify's text, keys in enumeration order), so
    // what it reads is what the parse gave.
    if (t && this.fits(t, digest, 0, digest.length)) {
      this.keep(t);
      if (list.length >= MAX_TEMPLATES) list.pop();
      list.unshift(t);
      return;
    }
    this.addParsed(s as unknown[], nodes as Packed);
  }

  /**
   * Whether the text is the template's, its numbers read into `numbers`: one pass, character by character (a
   * builtin call a piece, startsWith, measured slower than JSON.parse).
   */
  private fits(t: Template, text: string, start: number, end: number): boolean {
    const { codes, holes } = t;
    const n = holes.length;
    if (n > this.numbers.length) this.numbers = new Float64Array(n * 2);
    const numbers = this.numbers;
    let p = start;
    let j = 0;
    for (let h = 0; ; h++) {
      const stop = h < n ? holes[h] : codes.length;
      if (end - p < stop - j) return false;
      while (j < stop) {
        if (text.charCodeAt(p) !== codes[j]) return false;
        p++;
        j++;
      }
      if (h === n) return p === end;
      const after = readNumber(text, p);
      if (after < 0 || after > end) return false;
      numbers[h] = numberRead;
      p = after;
    }
  }

  /** the numbers `fits` read, in enumeration order: what summarizeSession does with toDigest's digest */
  private keep(t: Template): void {
    const slots = t.slots;
    const numbers = this.numbers;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      const v = numbers[i];
      if (slot.kind === 'node') {
        if (Number.isFinite(v)) (slot.column ??= this.columns.node(slot.key)).push(v);
      } else if (slot.kind === 'latency') this.columns.addLatencyMs(slot.key, v);
    }
  }

  /**
   * Whether unpacking gives one key a value: phases are non-empty and dotless (so `phase.plugin` keys of two phases
   * differ), and when there are phases, no other key has a dot after its first character (which could be one of
   * theirs). packNodes never writes otherwise.
   */
  private unambiguous(nodes: Packed): boolean {
    let phases = false;
    let dotted = false;
    for (const key in nodes) {
      const v = nodes[key];
      if (typeof v === 'object' && v !== null) {
        let p = this.phases.get(key);
        if (!p) this.phases.set(key, (p = { plain: key.length > 0 && !key.includes('.'), plugins: new Map() }));
        if (!p.plain) return false;
        phases = true;
      } else {
        let k = this.values.get(key);
        if (!k) this.values.set(key, (k = { dotted: key.indexOf('.') > 0 }));
        dotted ||= k.dotted;
      }
    }
    return !(phases && dotted);
  }

  /** a parsed compact digest, in the order toDigest's nodes enumerate: the packed order, a phase's plugins where it is */
  private addParsed(s: unknown[], nodes: Packed): void {
    for (const key in nodes) {
      const v = nodes[key];
      if (typeof v === 'object' && v !== null) {
        const plugins = this.phases.get(key)!.plugins;
        const group = v as Packed;
        for (const plugin in group) {
          const x = group[plugin];
          if (typeof x !== 'number' || !Number.isFinite(x)) continue;
          let c = plugins.get(plugin);
          if (!c) plugins.set(plugin, (c = this.columns.node(`${key}.${plugin}`)));
          c.push(x);
        }
      } else if (typeof v === 'number' && Number.isFinite(v)) {
        const k = this.values.get(key)!;
        (k.column ??= this.columns.node(key)).push(v);
      }
    }
    for (let i = 0; i < DIGEST_LATENCY_KEYS.length; i++) {
      const v = s[3 + i];
      if (v != null) this.columns.addLatencyMs(DIGEST_LATENCY_KEYS[i], v);
    }
  }
}

/**
 * The template of a parsed compact digest (unambiguous nodes), written as JSON.stringify writes it; undefined when a
 * value is neither a number nor null (nothing storedDigest writes), which the parse then handles.
 */
function templateOf(s: unknown[]): Template | undefined {
  const holes: number[] = [];
  const slots: Slot[] = [];
  let text = '[';
  const value = (v: unknown, slot: Slot): boolean => {
    if (v === null) text += 'null';
    else if (typeof v === 'number') {
      holes.push(text.length);
      slots.push(slot);
    } else return false;
    return true;
  };
  for (let i = 0; i < s.length; i++) {
    if (i > 0) text += ',';
    if (i === 2) {
      const nodes = s[2] as Packed;
      text += '{';
      let first = true;
      for (const key in nodes) {
        text += `${first ? '' : ','}${JSON.stringify(key)}:`;
        first = false;
        const v = nodes[key];
        if (typeof v === 'object' && v !== null) {
          const group = v as Packed;
          text += '{';
          let firstPlugin = true;
          for (const plugin in group) {
            text += `${firstPlugin ? '' : ','}${JSON.stringify(plugin)}:`;
            firstPlugin = false;
            if (!value(group[plugin], { kind: 'node', key: `${key}.${plugin}` })) return undefined;
          }
          text += '}';
        } else if (!value(v, { kind: 'node', key })) return undefined;
      }
      text += '}';
      continue;
    }
    const latency = i >= 3 && i < 3 + DIGEST_LATENCY_KEYS.length;
    if (!value(s[i], latency ? { kind: 'latency', key: DIGEST_LATENCY_KEYS[i - 3] } : SKIP)) return undefined;
  }
  text += ']';
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return { codes, holes: Int32Array.from(holes), slots };
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** the value of the number readNumber read last (a module variable: no object a number) */
let numberRead = 0;

/**
 * The JSON number at `pos`, by JSON's grammar exactly: its end (-1 when there is none), its value in numberRead, as
 * JSON.parse gives it. Up to 15 digits without an exponent, the digits are an exact integer and a power of ten up to
 * 1e15 an exact double, so one division rounds once, to the nearest double, as parsing does; anything else is
 * parsed by Number.
 */
function readNumber(text: string, pos: number): number {
  let i = pos;
  let c = text.charCodeAt(i);
  const negative = c === 45; /* - */
  if (negative) c = text.charCodeAt(++i);
  let m = 0;
  let digits = 0;
  if (c === 48 /* 0 */) {
    digits = 1;
    c = text.charCodeAt(++i);
  } else if (c >= 49 && c <= 57) {
    do {
      m = m * 10 + (c - 48);
      digits++;
      c = text.charCodeAt(++i);
    } while (c >= 48 && c <= 57);
  } else return -1;
  let fraction = 0;
  if (c === 46 /* . */) {
    c = text.charCodeAt(++i);
    if (!(c >= 48 && c <= 57)) return -1;
    do {
      m = m * 10 + (c - 48);
      digits++;
      fraction++;
      c = text.charCodeAt(++i);
    } while (c >= 48 && c <= 57);
  }
  let exponent = false;
  if (c === 101 || c === 69 /* e E */) {
    exponent = true;
    c = text.charCodeAt(++i);
    if (c === 43 || c === 45 /* + - */) c = text.charCodeAt(++i);
    if (!(c >= 48 && c <= 57)) return -1;
    do c = text.charCodeAt(++i);
    while (c >= 48 && c <= 57);
  }
  if (exponent || digits > 15) numberRead = Number(text.slice(pos, i));
  else {
    const v = fraction > 0 ? m / POW10[fraction] : m;
    numberRead = negative ? -v : v;
  }
  return i;
}
