/**
 * Rust `regex` crate syntax → AST, rejecting what Rust rejects with Rust's wording (look-around,
 * backreferences, unknown escapes, `{,n}`, …). Inline flags `i m s x U` apply from where they appear
 * to the end of their group. Two things Rust accepts are refused with "not supported by
 * kong-debugger": `(?-u)` (ASCII mode) and `(?R)` (CRLF mode), plus, under `(?i)` only, classes whose
 * parts are negated or combined with `&& -- ~~` (case folding must happen before the negation there).
 */
import type { AssertKind, Node } from './ast';
import { complement, intersect, normalize, single, subtract, symmetricDifference, union, type CharSet } from './charset';
import { RegexSyntaxError } from './errors';
import { digit, posixClass, propertyBody, space, v8ClassSet, word } from './unicode';

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  U: boolean;
}

/** One class item: its set, and whether it is a complement of a set that case folding may change. */
interface ClassPart {
  set: CharSet;
  /** a single literal code point (a range bound), if it is one */
  cp?: number;
  /** built by negation or set operation from a set that is not closed under case folding */
  foldSensitive: boolean;
}

interface Frame {
  alts: Node[][];
  items: Node[];
  flags: Flags;
  /** whether the last item can take a quantifier (not after `(`, `|` or a bare flag group) */
  repeatable: boolean;
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

/**
 * Reading a Unicode property's ranges the first time costs milliseconds (unicode.ts), and a rule
 * answers synchronously: one rule may name this many distinct properties (all its regexes together).
 */
export const MAX_PROPERTIES_PER_RULE = 8;

/** `properties` collects the `\p{…}` names of all regexes of one rule, to bound them together. */
export function parseRegex(src: string, properties: Set<string> = new Set()): Node {
  const cps = Array.from(src).map((c) => c.codePointAt(0)!);
  let i = 0;
  const ch = (k = 0) => (i + k < cps.length ? String.fromCodePoint(cps[i + k]) : '');
  const rest = () => String.fromCodePoint(...cps.slice(i));
  const names = new Set<string>();
  const stack: Frame[] = [{ alts: [], items: [], flags: { i: false, m: false, s: false, x: false, U: false }, repeatable: false }];
  const top = () => stack[stack.length - 1];

  const skipExtended = () => {
    while (top().flags.x && i < cps.length) {
      const c = ch();
      if (isSpace(c)) i++;
      else if (c === '#') {
        while (i < cps.length && ch() !== '\n') i++;
      } else break;
    }
  };

  /** The text of a `{...}` argument (`\x{41}`, `\p{Greek}`) at the cursor, which is left after the `}`. */
  const braced = (): string => {
    const end = cps.indexOf(0x7d, i);
    if (end === -1) throw new RegexSyntaxError('found an opening { with no corresponding closing }');
    const text = String.fromCodePoint(...cps.slice(i + 1, end));
    i = end + 1;
    return text;
  };

  type Escape = { literal: number } | { set: CharSet; negated: boolean; foldSafe: boolean } | { assert: AssertKind };

  /** An escape after `\`. */
  const escape = (inClass: boolean): Escape => {
    const c = ch();
    if (c === '') throw new RegexSyntaxError('incomplete escape sequence, reached end of pattern prematurely');
    i++;
    switch (c) {
      // \d \s \w are closed under case folding, so their negations are too
      case 'd':
      case 'D':
        return { set: digit(), negated: c === 'D', foldSafe: true };
      case 's':
      case 'S':
        return { set: space(), negated: c === 'S', foldSafe: true };
      case 'w':
      case 'W':
        return { set: word(), negated: c === 'W', foldSafe: true };
      case 'n':
        return { literal: 10 };
      case 't':
        return { literal: 9 };
      case 'r':
        return { literal: 13 };
      case 'f':
        return { literal: 12 };
      case 'v':
        return { literal: 11 };
      case 'a':
        return { literal: 7 };
      case 'x':
      case 'u':
      case 'U': {
        let hex: string;
        if (ch() === '{') {
          hex = braced();
        } else {
          const n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
          hex = String.fromCodePoint(...cps.slice(i, i + n));
          if (hex.length !== n) throw new RegexSyntaxError('hexadecimal literal is not a Unicode scalar value');
          i += n;
        }
        if (!/^[0-9A-Fa-f]{1,8}$/.test(hex)) throw new RegexSyntaxError('invalid hexadecimal digit');
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new RegexSyntaxError('hexadecimal literal is not a Unicode scalar value');
        return { literal: cp };
      }
      case 'p':
      case 'P': {
        let name: string;
        if (ch() === '{') {
          name = braced();
        } else {
          name = ch();
          if (name === '') throw new RegexSyntaxError('incomplete escape sequence, reached end of pattern prematurely');
          i++;
        }
        const body = propertyBody(name);
        properties.add(body);
        if (properties.size > MAX_PROPERTIES_PER_RULE) {
          throw new RegexSyntaxError(`more than ${MAX_PROPERTIES_PER_RULE} distinct Unicode properties in one rule are not supported by kong-debugger`);
        }
        return { set: v8ClassSet(body), negated: c === 'P', foldSafe: false };
      }
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        if (inClass) throw new RegexSyntaxError('unrecognized escape sequence');
        if (c === 'A') return { assert: 'startText' };
        if (c === 'z') return { assert: 'endText' };
        // `\b{start}` names a boundary; `\b{2}` is `\b` repeated (regex-syntax looks for a letter or `-`)
        if (c === 'b' && ch() === '{' && /[A-Za-z-]/.test(ch(1))) {
          const m = /^\{(start|end|start-half|end-half)\}/.exec(String.fromCodePoint(...cps.slice(i, i + 12)));
          if (!m) throw new RegexSyntaxError('unrecognized word boundary assertion');
          i += m[0].length;
          const kinds: Record<string, AssertKind> = { start: 'wordStart', end: 'wordEnd', 'start-half': 'wordStartHalf', 'end-half': 'wordEndHalf' };
          return { assert: kinds[m[1]] };
        }
        return { assert: c === 'b' ? 'word' : 'notWord' };
      default:
        if (/[0-9]/.test(c)) throw new RegexSyntaxError('backreferences are not supported');
        // Rust allows escaping any ASCII punctuation and ASCII whitespace as a literal
        if (/[!-\/:-@\[-`{-~ \t\n\v\f\r]/.test(c)) {
          if (c === '<' || c === '>') {
            if (inClass) throw new RegexSyntaxError('unrecognized escape sequence');
            return { assert: c === '<' ? 'wordStart' : 'wordEnd' };
          }
          return { literal: c.codePointAt(0)! };
        }
        throw new RegexSyntaxError('unrecognized escape sequence');
    }
  };

  const negatePart = (set: CharSet, foldSafe: boolean): ClassPart => ({ set: complement(set), foldSensitive: !foldSafe });

  /** One item of a bracketed class (at the cursor), maybe the start of a range. */
  const classAtom = (): ClassPart => {
    if (ch() === '\\') {
      i++;
      const e = escape(true);
      if ('literal' in e) return { set: single(e.literal), cp: e.literal, foldSensitive: false };
      if ('set' in e) return e.negated ? negatePart(e.set, e.foldSafe) : { set: e.set, foldSensitive: false };
      throw new RegexSyntaxError('unrecognized escape sequence');
    }
    i++;
    return { set: single(cps[i - 1]), cp: cps[i - 1], foldSensitive: false };
  };

  /** In (?x) mode, whitespace and `#` comments inside a class are skipped too (regex-syntax's bump_space). */
  const skipClassSpace = () => skipExtended();
  /** The character after the current one, looking past (?x) whitespace (regex-syntax's peek_space). */
  const peekSpace = (): string => {
    const save = i;
    i++;
    skipClassSpace();
    const c = ch();
    i = save;
    return c;
  };

  /**
   * A bracketed class, cursor after `[`; leaves the cursor after `]`. Follows regex-syntax's
   * parse_set_class: leading `-`s and a first `]` are literals, union binds tighter than `&& -- ~~`
   * (left-associative), a range is `a-z` unless the `-` is followed by `]` or `-`.
   */
  const bracketClass = (): ClassPart & { negated: boolean } => {
    const add = (acc: ClassPart, part: ClassPart): ClassPart => ({ set: union(acc.set, part.set), foldSensitive: acc.foldSensitive || part.foldSensitive });
    const literal = (cp: number): ClassPart => ({ set: single(cp), cp, foldSensitive: false });
    const unclosed = () => new RegexSyntaxError('unclosed character class');
    skipClassSpace();
    let negated = false;
    if (ch() === '^') {
      negated = true;
      i++;
      skipClassSpace();
    }
    let acc: ClassPart = { set: [], foldSensitive: false };
    let empty = true;
    while (ch() === '-') {
      acc = add(acc, literal(0x2d));
      empty = false;
      i++;
      skipClassSpace();
    }
    if (empty && ch() === ']') {
      acc = add(acc, literal(0x5d));
      i++;
    }
    let pending: '&&' | '--' | '~~' | undefined;
    let lhs: ClassPart | undefined;
    const finishOperand = () => {
      if (lhs && pending) {
        const op = pending === '&&' ? intersect : pending === '--' ? subtract : symmetricDifference;
        acc = { set: op(lhs.set, acc.set), foldSensitive: true };
      }
    };
    for (;;) {
      skipClassSpace();
      if (i >= cps.length) throw unclosed();
      const c = ch();
      if (c === ']') {
        i++;
        break;
      }
      if ((c === '&' && ch(1) === '&') || (c === '-' && ch(1) === '-') || (c === '~' && ch(1) === '~')) {
        finishOperand();
        lhs = acc;
        pending = (c + c) as '&&' | '--' | '~~';
        acc = { set: [], foldSensitive: false };
        i += 2;
        continue;
      }
      if (c === '[') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(rest());
        const posix = m ? posixClass(m[2]) : undefined;
        if (m && posix) {
          i += m[0].length;
          acc = add(acc, m[1] ? negatePart(posix, false) : { set: posix, foldSensitive: false });
          continue;
        }
        // a nested class is a union member
        i++;
        const inner = bracketClass();
        acc = add(acc, inner.negated ? negatePart(inner.set, false) : inner);
        continue;
      }
      let part = classAtom();
      skipClassSpace();
      if (i >= cps.length) throw unclosed();
      if (ch() === '-' && peekSpace() !== ']' && peekSpace() !== '-') {
        i++;
        skipClassSpace();
        if (i >= cps.length) throw unclosed();
        if (part.cp === undefined) throw new RegexSyntaxError('invalid range boundary, must be a literal');
        const hi = classAtom();
        if (hi.cp === undefined) throw new RegexSyntaxError('invalid range boundary, must be a literal');
        if (hi.cp < part.cp) throw new RegexSyntaxError('invalid character class range, the start must be <= the end');
        part = { set: [part.cp, hi.cp], foldSensitive: false };
      }
      acc = add(acc, part);
    }
    finishOperand();
    return { set: normalize(acc.set), foldSensitive: acc.foldSensitive, negated };
  };

  const push = (n: Node) => {
    top().items.push(n);
    top().repeatable = true;
  };

  const seq = (items: Node[]): Node => (items.length === 0 ? { kind: 'empty' } : items.length === 1 ? items[0] : { kind: 'concat', items });
  const close = (f: Frame): Node => {
    const alts = [...f.alts, f.items];
    return alts.length === 1 ? seq(alts[0]) : { kind: 'alt', items: alts.map(seq) };
  };

  const openGroup = (flags: Flags) => stack.push({ alts: [], items: [], flags, repeatable: false });

  while (i < cps.length) {
    skipExtended();
    if (i >= cps.length) break;
    const c = ch();
    const f = top().flags;
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let min: number;
      let max: number;
      if (c === '{') {
        const r = rest();
        // regex-syntax's parse_decimal skips whitespace around digits in any mode, but only
        // (?x) skips it between "," and "}" in an open-ended {n, }
        const m = /^\{\s*(\d*)\s*(?:(,)(\s*)(\d*)\s*)?\}/.exec(r);
        if (m && m[2] && m[4] === '' && m[3] !== '' && !f.x) throw new RegexSyntaxError('repetition quantifier expects a valid decimal');
        if (!m) {
          if (!top().repeatable) throw new RegexSyntaxError('repetition operator missing expression');
          throw new RegexSyntaxError(r.includes('}') ? 'repetition quantifier expects a valid decimal' : 'unclosed counted repetition');
        }
        if (m[1] === '') throw new RegexSyntaxError('repetition quantifier expects a valid decimal');
        min = Number(m[1]);
        max = m[2] ? (m[4] ? Number(m[4]) : Infinity) : min;
        if (max < min) throw new RegexSyntaxError('invalid repetition count range, the start must be <= the end');
        i += Array.from(m[0]).length;
      } else {
        i++;
        [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
      }
      if (!top().repeatable) throw new RegexSyntaxError('repetition operator missing expression');
      // a lazy `?` only changes which match is preferred, never whether there is one
      if (ch() === '?') i++;
      const items = top().items;
      items.push({ kind: 'repeat', item: items.pop()!, min, max });
      continue;
    }
    if (c === '\\') {
      i++;
      const e = escape(false);
      if ('literal' in e) push({ kind: 'literal', cp: e.literal, fold: f.i });
      else if ('set' in e) push({ kind: 'class', set: e.set, negated: e.negated, fold: f.i });
      else push({ kind: 'assert', what: e.assert });
    } else if (c === '[') {
      i++;
      const body = bracketClass();
      if (f.i && body.foldSensitive) {
        throw new RegexSyntaxError(
          'a case-insensitive class with negated parts or && -- ~~ is not supported by kong-debugger; write the class without (?i) or list both cases',
        );
      }
      push({ kind: 'class', set: body.set, negated: body.negated, fold: f.i });
    } else if (c === '.') {
      i++;
      push({ kind: 'dot', dotAll: f.s });
    } else if (c === '^') {
      i++;
      push({ kind: 'assert', what: f.m ? 'startLine' : 'startText' });
    } else if (c === '$') {
      i++;
      push({ kind: 'assert', what: f.m ? 'endLine' : 'endText' });
    } else if (c === '|') {
      i++;
      const t = top();
      t.alts.push(t.items);
      t.items = [];
      t.repeatable = false;
    } else if (c === ')') {
      if (stack.length === 1) throw new RegexSyntaxError('unopened group');
      i++;
      const node = close(stack.pop()!);
      push(node);
    } else if (c === '(') {
      i++;
      if (ch() !== '?') {
        openGroup({ ...f });
        continue;
      }
      i++;
      const r = rest();
      if (/^(=|!|<=|<!)/.test(r)) throw new RegexSyntaxError('look-around, including look-ahead and look-behind, is not supported');
      const named = /^P?<([A-Za-z_][A-Za-z0-9_.\[\]]*)>/.exec(r);
      if (named) {
        if (names.has(named[1])) throw new RegexSyntaxError('duplicate capture group name');
        names.add(named[1]);
        i += named[0].length;
        openGroup({ ...f });
        continue;
      }
      if (r.startsWith(')')) throw new RegexSyntaxError('repetition operator missing expression');
      const fm = /^([-imsxURu]*)(:|\))/.exec(r);
      if (!fm) throw new RegexSyntaxError(r.startsWith('P') || r.startsWith('<') ? 'invalid capture group name' : 'unrecognized flag');
      const nf = { ...f };
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
      i += fm[0].length;
      if (fm[2] === ')') {
        top().flags = nf;
        top().repeatable = false;
      } else {
        openGroup(nf);
      }
    } else {
      i++;
      push({ kind: 'literal', cp: cps[i - 1], fold: f.i });
    }
  }
  if (stack.length > 1) throw new RegexSyntaxError('unclosed group');
  return close(stack[0]);
}
