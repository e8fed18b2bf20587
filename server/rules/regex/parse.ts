/**
 * Rust `regex` crate syntax → AST, rejecting what Rust rejects with Rust's wording (look-around,
 * backreferences, unknown escapes, `{,n}`, …). Inline flags `i m s x U` apply from where they appear
 * to the end of their group. Refused though Rust accepts, with "not supported by kong-debugger":
 * `(?-u)` (ASCII mode) and `(?R)` (CRLF mode). Escapes: escape.ts; bracketed classes: class.ts.
 */
import type { Node } from './ast';
import { parseBracketClass } from './class';
import { RegexSyntaxError } from './errors';
import { parseEscape } from './escape';
import { Scanner } from './scanner';

export { MAX_PROPERTIES_PER_RULE } from './escape';

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  U: boolean;
}

/** An open group (or the whole pattern) being read. */
interface Frame {
  alts: Node[][];
  items: Node[];
  flags: Flags;
  /** whether the last item can take a quantifier (not after `(`, `|` or a bare flag group) */
  repeatable: boolean;
}

/** The repetition at the cursor (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, then an optional lazy `?`). */
function parseRepetition(sc: Scanner, repeatable: boolean): { min: number; max: number } {
  let min: number;
  let max: number;
  if (sc.ch() === '{') {
    const r = sc.rest();
    // regex-syntax's parse_decimal skips whitespace around digits in any mode, but only
    // (?x) skips it between "," and "}" in an open-ended {n, }
    const m = /^\{\s*(\d*)\s*(?:(,)(\s*)(\d*)\s*)?\}/.exec(r);
    if (m && m[2] && m[4] === '' && m[3] !== '' && !sc.extended) throw new RegexSyntaxError('repetition quantifier expects a valid decimal');
    if (!m) {
      if (!repeatable) throw new RegexSyntaxError('repetition operator missing expression');
      throw new RegexSyntaxError(r.includes('}') ? 'repetition quantifier expects a valid decimal' : 'unclosed counted repetition');
    }
    if (m[1] === '') throw new RegexSyntaxError('repetition quantifier expects a valid decimal');
    min = Number(m[1]);
    max = m[2] ? (m[4] ? Number(m[4]) : Infinity) : min;
    if (max < min) throw new RegexSyntaxError('invalid repetition count range, the start must be <= the end');
    sc.i += Array.from(m[0]).length;
  } else {
    const c = sc.ch();
    sc.i++;
    [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
  }
  if (!repeatable) throw new RegexSyntaxError('repetition operator missing expression');
  // a lazy `?` only changes which match is preferred, never whether there is one
  if (sc.ch() === '?') sc.i++;
  return { min, max };
}

/**
 * What follows `(` at the cursor: a group (capturing, named or `(?flags:`) with its flags, or a bare
 * `(?flags)` that changes the flags of the enclosing group.
 */
function parseGroupOpen(sc: Scanner, flags: Flags, names: Set<string>): { group: boolean; flags: Flags } {
  if (sc.ch() !== '?') return { group: true, flags: { ...flags } };
  sc.i++;
  const r = sc.rest();
  if (/^(=|!|<=|<!)/.test(r)) throw new RegexSyntaxError('look-around, including look-ahead and look-behind, is not supported');
  const named = /^P?<([A-Za-z_][A-Za-z0-9_.\[\]]*)>/.exec(r);
  if (named) {
    if (names.has(named[1])) throw new RegexSyntaxError('duplicate capture group name');
    names.add(named[1]);
    sc.i += named[0].length;
    return { group: true, flags: { ...flags } };
  }
  if (r.startsWith(')')) throw new RegexSyntaxError('repetition operator missing expression');
  const fm = /^([-imsxURu]*)(:|\))/.exec(r);
  if (!fm) throw new RegexSyntaxError(r.startsWith('P') || r.startsWith('<') ? 'invalid capture group name' : 'unrecognized flag');
  const nf = { ...flags };
  let neg = false;
  const seen = new Set<string>();
  for (const fl of fm[1]) {
    if (fl === '-') {
      if (neg) throw new RegexSyntaxError('flag negation operator repeated');
      neg = true;
      continue;
    }
    if (seen.has(fl)) throw new RegexSyntaxError('duplicate flag');
    seen.add(fl);
    if (fl === 'u' || fl === 'R') {
      if (neg || fl === 'R') throw new RegexSyntaxError(`flag ${neg ? '-' : ''}${fl} is not supported by kong-debugger`);
      continue;
    }
    nf[fl as keyof Flags] = !neg;
  }
  if (fm[1].endsWith('-')) throw new RegexSyntaxError('dangling flag negation operator');
  sc.i += fm[0].length;
  return { group: fm[2] === ':', flags: nf };
}

const seq = (items: Node[]): Node => (items.length === 0 ? { kind: 'empty' } : items.length === 1 ? items[0] : { kind: 'concat', items });

function close(f: Frame): Node {
  const alts = [...f.alts, f.items];
  return alts.length === 1 ? seq(alts[0]) : { kind: 'alt', items: alts.map(seq) };
}

/** `properties` collects the `\p{…}` names of all regexes of one rule, to bound them together. */
export function parseRegex(src: string, properties: Set<string> = new Set()): Node {
  const sc = new Scanner(src);
  const names = new Set<string>();
  const stack: Frame[] = [{ alts: [], items: [], flags: { i: false, m: false, s: false, x: false, U: false }, repeatable: false }];
  const top = () => stack[stack.length - 1];
  const push = (n: Node) => {
    top().items.push(n);
    top().repeatable = true;
  };

  for (;;) {
    sc.extended = top().flags.x;
    sc.skipSpace();
    if (sc.eof()) break;
    const c = sc.ch();
    const f = top().flags;
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      const { min, max } = parseRepetition(sc, top().repeatable);
      const items = top().items;
      items.push({ kind: 'repeat', item: items.pop()!, min, max });
    } else if (c === '\\') {
      sc.i++;
      const e = parseEscape(sc, false, properties);
      if ('literal' in e) push({ kind: 'literal', cp: e.literal, fold: f.i });
      else if ('set' in e) push({ kind: 'class', set: e.set, negated: e.negated, fold: f.i });
      else push({ kind: 'assert', what: e.assert });
    } else if (c === '[') {
      sc.i++;
      const body = parseBracketClass(sc, properties, { caseInsensitive: f.i });
      push({ kind: 'class', set: body.set, negated: body.negated, fold: f.i });
    } else if (c === '.') {
      sc.i++;
      push({ kind: 'dot', dotAll: f.s });
    } else if (c === '^' || c === '$') {
      sc.i++;
      push({ kind: 'assert', what: c === '^' ? (f.m ? 'startLine' : 'startText') : f.m ? 'endLine' : 'endText' });
    } else if (c === '|') {
      sc.i++;
      const t = top();
      t.alts.push(t.items);
      t.items = [];
      t.repeatable = false;
    } else if (c === ')') {
      if (stack.length === 1) throw new RegexSyntaxError('unopened group');
      sc.i++;
      push(close(stack.pop()!));
    } else if (c === '(') {
      sc.i++;
      const open = parseGroupOpen(sc, f, names);
      if (open.group) stack.push({ alts: [], items: [], flags: open.flags, repeatable: false });
      else {
        top().flags = open.flags;
        top().repeatable = false;
      }
    } else {
      push({ kind: 'literal', cp: sc.next(), fold: f.i });
    }
  }
  if (stack.length > 1) throw new RegexSyntaxError('unclosed group');
  return close(stack[0]);
}
