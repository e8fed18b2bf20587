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
  /** the RE2 pattern handed to re2js (without the anchors of a `^…$` regex, run as a whole-string match) */
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

/** For `\A x \z` at the top level, x: the regex then only asks whether the whole string matches x. */
function wholeString(ast: Node): Node | undefined {
  if (ast.kind !== 'concat' || ast.items.length < 2) return undefined;
  const first = ast.items[0];
  const last = ast.items[ast.items.length - 1];
  if (first.kind !== 'assert' || first.what !== 'startText' || last.kind !== 'assert' || last.what !== 'endText') return undefined;
  const middle = ast.items.slice(1, -1);
  return middle.length === 0 ? { kind: 'empty' } : middle.length === 1 ? middle[0] : { kind: 'concat', items: middle };
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
  const literal = literalMatcher(ast);
  // `^…$` is a whole-string match: re2js's anchored entry point is about three times faster
  const whole = wholeString(ast);
  const { source, lookbehinds } = emitRe2(whole ?? ast);
  if (literal) return { test: literal, engine: 'literal', re2Source: source };
  const compiled = RE2JS.compile(source, lookbehinds ? RE2JS.LOOKBEHINDS : 0);
  const re2 = whole ? (s: string) => compiled.testExact(s) : (s: string) => compiled.test(s);
  if (!usesWordBoundary(ast)) return { test: re2, engine: 're2', re2Source: source };
  const pike = compilePike(ast, word(), foldedAtom);
  return { test: (s) => (ASCII.test(s) ? re2(s) : pike(s)), engine: 're2+pike', re2Source: source };
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
