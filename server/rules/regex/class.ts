/**
 * Bracketed classes, read as regex-syntax reads them (parse_set_class): leading `-`s and a first `]`
 * are literals, `[:alpha:]` POSIX classes, nested classes, union binding tighter than `&& -- ~~`
 * (left-associative), `a-z` ranges, (?x) spaces skipped. The result is one explicit set.
 */
import { complement, intersect, normalize, single, subtract, symmetricDifference, union, type CharSet } from './charset';
import { RegexSyntaxError } from './errors';
import { parseEscape } from './escape';
import type { Scanner } from './scanner';
import { posixClass } from './unicode';

/** A class or part of one: its set, and whether case folding would have to happen inside it. */
export interface ClassPart {
  set: CharSet;
  /** a single literal code point (a range bound), if it is one */
  cp?: number;
  /** built by negation or set operation from a set that is not closed under case folding */
  foldSensitive: boolean;
}

const negatePart = (set: CharSet, foldSafe: boolean): ClassPart => ({ set: complement(set), foldSensitive: !foldSafe });

/** One item of a bracketed class (at the cursor): a literal, or a class escape. */
function classAtom(sc: Scanner, properties: Set<string>): ClassPart {
  if (sc.ch() === '\\') {
    sc.i++;
    const e = parseEscape(sc, true, properties);
    if ('literal' in e) return { set: single(e.literal), cp: e.literal, foldSensitive: false };
    if ('set' in e) return e.negated ? negatePart(e.set, e.foldSafe) : { set: e.set, foldSensitive: false };
    throw new RegexSyntaxError('unrecognized escape sequence');
  }
  const cp = sc.next();
  return { set: single(cp), cp, foldSensitive: false };
}

/**
 * A bracketed class, cursor after `[`; leaves the cursor after `]`. Follows regex-syntax's
 * parse_set_class: leading `-`s and a first `]` are literals, union binds tighter than `&& -- ~~`
 * (left-associative), a range is `a-z` unless the `-` is followed by `]` or `-`.
 */
export function parseBracketClass(sc: Scanner, properties: Set<string>): ClassPart & { negated: boolean } {
  const add = (acc: ClassPart, part: ClassPart): ClassPart => ({ set: union(acc.set, part.set), foldSensitive: acc.foldSensitive || part.foldSensitive });
  const literal = (cp: number): ClassPart => ({ set: single(cp), cp, foldSensitive: false });
  const unclosed = () => new RegexSyntaxError('unclosed character class');
  sc.skipSpace();
  let negated = false;
  if (sc.ch() === '^') {
    negated = true;
    sc.i++;
    sc.skipSpace();
  }
  let acc: ClassPart = { set: [], foldSensitive: false };
  let empty = true;
  while (sc.ch() === '-') {
    acc = add(acc, literal(0x2d));
    empty = false;
    sc.i++;
    sc.skipSpace();
  }
  if (empty && sc.ch() === ']') {
    acc = add(acc, literal(0x5d));
    sc.i++;
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
    sc.skipSpace();
    if (sc.eof()) throw unclosed();
    const c = sc.ch();
    if (c === ']') {
      sc.i++;
      break;
    }
    if ((c === '&' && sc.ch(1) === '&') || (c === '-' && sc.ch(1) === '-') || (c === '~' && sc.ch(1) === '~')) {
      finishOperand();
      lhs = acc;
      pending = (c + c) as '&&' | '--' | '~~';
      acc = { set: [], foldSensitive: false };
      sc.i += 2;
      continue;
    }
    if (c === '[') {
      const m = /^\[:(\^?)([a-z]+):\]/.exec(sc.rest());
      const posix = m ? posixClass(m[2]) : undefined;
      if (m && posix) {
        sc.i += m[0].length;
        acc = add(acc, m[1] ? negatePart(posix, false) : { set: posix, foldSensitive: false });
        continue;
      }
      // a nested class is a union member
      sc.i++;
      const inner = parseBracketClass(sc, properties);
      acc = add(acc, inner.negated ? negatePart(inner.set, false) : inner);
      continue;
    }
    let part = classAtom(sc, properties);
    sc.skipSpace();
    if (sc.eof()) throw unclosed();
    if (sc.ch() === '-' && sc.peekSpace() !== ']' && sc.peekSpace() !== '-') {
      sc.i++;
      sc.skipSpace();
      if (sc.eof()) throw unclosed();
      if (part.cp === undefined) throw new RegexSyntaxError('invalid range boundary, must be a literal');
      const hi = classAtom(sc, properties);
      if (hi.cp === undefined) throw new RegexSyntaxError('invalid range boundary, must be a literal');
      if (hi.cp < part.cp) throw new RegexSyntaxError('invalid character class range, the start must be <= the end');
      part = { set: [part.cp, hi.cp], foldSensitive: false };
    }
    acc = add(acc, part);
  }
  finishOperand();
  return { set: normalize(acc.set), foldSensitive: acc.foldSensitive, negated };
}
