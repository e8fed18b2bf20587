/**
 * Rust `regex` semantics (what Kong's router runs for `~`) in time linear in the input, whatever the
 * pattern: parse Rust syntax (parse.ts) → emit RE2 syntax (emit-re2.ts) → run on re2js (literal text,
 * maybe anchored, is answered with string operations instead: literal.ts). RE2's word
 * boundaries are ASCII while Rust's are Unicode; the two agree on ASCII input, so a regex with a
 * word boundary runs on re2js for ASCII input and on the Pike VM (pike.ts) otherwise, also linear.
 */
import { RE2JS } from 're2js';
import { programSize, usesWordBoundary, type Node } from './ast';
import { emitRe2 } from './emit-re2';
import { literalMatcher } from './literal';
import { RegexSyntaxError } from './errors';
import { parseRegex } from './parse';
import { compilePike } from './pike';
import { word } from './unicode';

/** A compiled `~` regex: answers whether it matches anywhere in the string. */
export interface LinearRegex {
  test(s: string): boolean;
  /** what runs it: string operations (literal text), re2js, or re2js plus the Pike VM for non-ASCII input */
  readonly engine: 'literal' | 're2' | 're2+pike';
  /** the RE2 pattern handed to re2js */
  readonly re2Source: string;
}

export type RegexResult = { ok: true; regex: LinearRegex } | { ok: false; message: string };

/**
 * Linear is not enough when the constant is the program: a match costs up to input length ×
 * positions thread steps. Measured here (2 shared cores) at the bound, a regex built to keep every
 * thread alive (`[ab]*a[ab]{490}c`) takes about 1 s on a 10,000-character input and 3 ms on a
 * 32-character path; `^/api/(\w+/?){1,12}$` needs 81 positions, a UUID 44. Rust's own size limit
 * refuses `\p{L}{1000}`. At most RE2_MAX_REPEAT (emit-re2.ts), so RE2's cap on counts is never reached.
 */
export const MAX_POSITIONS = 500;
export const MAX_RANGES = 50_000;

const ASCII = /^[\x00-\x7f]*$/;
/** per-atom memo of case-insensitive tests for the Pike VM, bounded */
const MEMO_LIMIT = 4096;

function foldedAtom(n: Node): (cp: number) => boolean {
  const re = RE2JS.compile(emitRe2(n).source);
  const memo = new Map<number, boolean>();
  return (cp) => {
    let r = memo.get(cp);
    if (r === undefined) {
      r = re.testExact(String.fromCodePoint(cp));
      if (memo.size < MEMO_LIMIT) memo.set(cp, r);
    }
    return r;
  };
}

export function buildRegex(ast: Node): LinearRegex {
  const { positions, ranges } = programSize(ast);
  if (positions > MAX_POSITIONS || ranges > MAX_RANGES) {
    throw new RegexSyntaxError(
      positions > MAX_POSITIONS
        ? `the regex is too large: ${positions} positions once repetitions are unrolled (at most ${MAX_POSITIONS}); not supported by kong-debugger`
        : `the regex is too large: ${ranges} character class ranges once repetitions are unrolled (at most ${MAX_RANGES}); not supported by kong-debugger`,
    );
  }
  const { source, lookbehinds } = emitRe2(ast);
  const literal = literalMatcher(ast);
  if (literal) return { test: literal, engine: 'literal', re2Source: source };
  const re2 = RE2JS.compile(source, lookbehinds ? RE2JS.LOOKBEHINDS : 0);
  if (!usesWordBoundary(ast)) return { test: (s) => re2.test(s), engine: 're2', re2Source: source };
  const pike = compilePike(ast, word(), foldedAtom);
  return { test: (s) => (ASCII.test(s) ? re2.test(s) : pike(s)), engine: 're2+pike', re2Source: source };
}

/**
 * Parse and compile; the error message keeps Rust's `regex parse error:` prefix that ATC shows.
 * Pass one `properties` set to all regexes of a rule (see MAX_PROPERTIES_PER_RULE).
 */
export function compileRegex(src: string, properties?: Set<string>): RegexResult {
  try {
    return { ok: true, regex: buildRegex(parseRegex(src, properties)) };
  } catch (e) {
    if (e instanceof RegexSyntaxError) return { ok: false, message: `regex parse error: ${e.message}` };
    // re2js refusing what the emitter wrote is our bug, not the user's; say so rather than crash
    return { ok: false, message: `regex parse error: ${(e as Error).message} (not supported by kong-debugger)` };
  }
}
