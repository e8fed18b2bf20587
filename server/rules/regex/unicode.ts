/**
 * Rust regex's Unicode classes as CharSets: `\d` (Nd), `\s` (White_Space), `\w` (Alphabetic, M, Nd,
 * Pc, Join_Control), ASCII POSIX classes, and `\p{…}` names resolved the loose way Rust does.
 * Ranges come from V8's own Unicode tables (`\p{…}` with the `u` flag), read once per name and cached;
 * the matching engine then only sees explicit ranges, whatever Unicode names it knows itself.
 */
import { has, normalize, type CharSet } from './charset';
import { RegexSyntaxError } from './errors';

function text(from: number, to: number): string {
  const parts: string[] = [];
  for (let cp = from; cp <= to; cp += 0x1000) {
    const chunk: number[] = [];
    for (let c = cp; c <= Math.min(to, cp + 0xfff); c++) if (c < 0xd800 || c > 0xdfff) chunk.push(c);
    parts.push(String.fromCodePoint(...chunk));
  }
  return parts.join('');
}

/**
 * The scalar values V8's `\p{…}` classes are run over to read their ranges. Planes 4-13 hold no
 * assigned character (checked once), so every property is the same across each plane's interior
 * and only its two noncharacters (U+xFFFE, U+xFFFF) can differ: one representative each instead
 * of 655,360 code points makes reading a property about twice as fast.
 */
let texts: string[] | undefined;
let emptyPlanes = true;
function scanTexts(): string[] {
  if (texts === undefined) {
    const middle = text(0x40000, 0xdffff);
    emptyPlanes = !/\P{Cn}/u.test(middle);
    texts = emptyPlanes ? [text(0, 0x3ffff), text(0xe0000, 0x10ffff)] : [text(0, 0x10ffff)];
  }
  return texts;
}

const cache = new Map<string, CharSet>();

/** The members of a V8 class body (`\p{Greek}`, `0-9A-Z`) as a CharSet. */
export function v8ClassSet(body: string): CharSet {
  const hit = cache.get(body);
  if (hit) return hit;
  const out: number[] = [];
  for (const t of scanTexts()) {
    const re = new RegExp(`[${body}]+`, 'gu');
    for (let m = re.exec(t); m; m = re.exec(t)) {
      const lo = t.codePointAt(m.index)!;
      const last = m.index + m[0].length - 1;
      // an astral run ends on the low surrogate of its last code point
      const lastUnit = t.charCodeAt(last);
      const hi = lastUnit >= 0xdc00 && lastUnit <= 0xdfff ? t.codePointAt(last - 1)! : lastUnit;
      // the text skips the surrogates, so a run may step from U+D7FF straight to U+E000
      if (lo < 0xd800 && hi > 0xdfff) out.push(lo, 0xd7ff, 0xe000, hi);
      else out.push(lo, hi);
    }
  }
  if (emptyPlanes) {
    const one = new RegExp(`^[${body}]$`, 'u');
    for (let plane = 4; plane <= 13; plane++) {
      const base = plane * 0x10000;
      if (one.test(String.fromCodePoint(base))) out.push(base, base + 0xfffd);
      for (const nc of [base + 0xfffe, base + 0xffff]) if (one.test(String.fromCodePoint(nc))) out.push(nc, nc);
    }
  }
  const set = normalize(out);
  cache.set(body, set);
  return set;
}

export const WORD_BODY = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
export const word = (): CharSet => v8ClassSet(WORD_BODY);
export const digit = (): CharSet => v8ClassSet('\\p{Nd}');
export const space = (): CharSet => v8ClassSet('\\p{White_Space}');

/** Rust's POSIX classes are ASCII-only. */
const POSIX: Record<string, readonly number[]> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

export function posixClass(name: string): CharSet | undefined {
  const r = POSIX[name];
  return r ? normalize(r) : undefined;
}

/** Rust accepts any spelling that normalises to a known name; these common ones have no JS twin. */
const LOOSE_ALIASES: Record<string, string> = {
  whitespace: 'White_Space',
  wspace: 'White_Space',
  space: 'White_Space',
  punct: 'P',
  digit: 'Nd',
  oldpersian: 'Old_Persian',
  oldturkic: 'Old_Turkic',
  oldhungarian: 'Old_Hungarian',
  oldpermic: 'Old_Permic',
  olditalic: 'Old_Italic',
  oldnortharabian: 'Old_North_Arabian',
  oldsoutharabian: 'Old_South_Arabian',
  oldsogdian: 'Old_Sogdian',
  olduyghur: 'Old_Uyghur',
  uppercaseletter: 'Lu',
  lowercaseletter: 'Ll',
  titlecaseletter: 'Lt',
  decimalnumber: 'Nd',
  extendedpictographic: 'Extended_Pictographic',
};

/** The V8 spelling of a Rust `\p{…}` name (case, `_`, `-`, spaces ignored; scripts without `Script=`). */
export function propertyBody(name: string): string {
  let raw = name.trim();
  let key: string | undefined;
  const m = /^([^=:!]+?)\s*(!=|=|:)\s*(.+)$/.exec(raw);
  if (m) {
    key = m[1].replace(/[\s_-]/g, '').toLowerCase();
    raw = m[3];
    // the regex docs say `!=` negates, but the engine Kong ships matches it like `=`; follow Kong
  }
  if (key === 'age') throw new RegexSyntaxError('Unicode Age properties are not supported by kong-debugger');
  const candidates: string[] = [];
  // Rust's loose matching (UAX44-LM3) keeps only ASCII letters and digits, ignores case and an
  // initial "is"; JS needs the exact spelling, so try the plausible spellings of what remains
  raw = raw.replace(/[^\x00-\x7f]/g, '');
  const alias = LOOSE_ALIASES[raw.replace(/[\s_-]/g, '').toLowerCase()];
  if (alias && key === undefined) raw = alias;
  const bases = /^is/i.test(raw) && raw.length > 2 ? [raw, raw.slice(2)] : [raw];
  const variants = bases.flatMap((b) => [b, b.replace(/[\s-]/g, '_'), b.replace(/[\s_-]/g, '')]);
  const title = (s: string) =>
    s
      .split('_')
      .map((w) => (w ? w[0].toUpperCase() + w.slice(1).toLowerCase() : w))
      .join('_');
  for (const v of variants) {
    for (const form of [v, title(v), v.toUpperCase()]) {
      if (key === undefined || key === 'generalcategory' || key === 'gc') candidates.push(form);
      if (key === undefined || key === 'script' || key === 'sc') candidates.push(`Script=${form}`);
      if (key === 'scriptextensions' || key === 'scx') candidates.push(`Script_Extensions=${form}`);
    }
  }
  for (const c of candidates) {
    try {
      new RegExp(`\\p{${c}}`, 'u');
      return `\\p{${c}}`;
    } catch {
      /* try the next spelling */
    }
  }
  throw new RegexSyntaxError('Unicode property not found');
}


/** Every code point some case mapping changes: all members of non-trivial case-folding orbits. */
let cased: string | undefined;

function rangesBody(set: CharSet): string {
  let body = '';
  for (let k = 0; k < set.length; k += 2) body += `\\u{${set[k].toString(16)}}-\\u{${set[k + 1].toString(16)}}`;
  return body;
}

/**
 * The set closed under Unicode simple case folding, as Rust's `try_case_fold_simple` does: V8's
 * `/[…]/iu` matches exactly the characters whose simple case folding equals a member's, and only
 * characters that some case mapping changes can be added, so only those (about 2,800) are tried.
 */
export function caseFold(set: CharSet): CharSet {
  if (set.length === 0) return set;
  if (cased === undefined) {
    const cwcm = v8ClassSet('\\p{Changes_When_Casemapped}');
    const cps: number[] = [];
    for (let k = 0; k < cwcm.length; k += 2) for (let cp = cwcm[k]; cp <= cwcm[k + 1]; cp++) cps.push(cp);
    cased = String.fromCodePoint(...cps);
  }
  const re = new RegExp(`[${rangesBody(set)}]`, 'giu');
  const out = [...set];
  for (const m of cased.matchAll(re)) {
    const cp = m[0].codePointAt(0)!;
    if (!has(set, cp)) out.push(cp, cp);
  }
  return normalize(out);
}
