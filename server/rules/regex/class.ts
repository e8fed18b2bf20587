/**
 * Bracketed classes, read as regex-syntax reads them (parse_set_class): leading `-`s and a first `]`
 * are literals, `[:alpha:]` POSIX classes, nested classes, union binding tighter than `&& -- ~~`
 * (left-associative), `a-z` ranges, (?x) spaces skipped. The result is one explicit set.
 */
import { complement, intersect, normalize, single, subtract, symmetricDifference, union, type CharSet } from './charset';
import { RegexSyntaxError } from './errors';
import { parseEscape } from './escape';
import type { Scanner } from './scanner';
import { caseFold, posixClass } from './unicode';

/** A class or part of one. */
export interface ClassPart {
  set: CharSet;
  /** a single literal code point (a range bound), if it is one */
  cp?: number;
}

/**
 * Under (?i), Rust folds each negated part before negating it and both sides of `&& -- ~~` before
 * combining them (regex-syntax's unicode_fold_and_negate); the whole class is folded again when
 * emitted. `foldSafe` parts (\D \S \W) are closed under folding already.
 */
interface Folding {
  caseInsensitive: boolean;
}

const negatePart = (set: CharSet, foldSafe: boolean, f: Folding): ClassPart => ({
  set: complement(f.caseInsensitive && !foldSafe ? caseFold(set) : set),
});

/** One item of a bracketed class (at the cursor): a literal, or a class escape. */
function classAtom(sc: Scanner, properties: Set<string>, f: Folding): ClassPart {
  if (sc.ch() === '\\') {
    sc.i++;
    const e = parseEscape(sc, true, properties);
    if ('literal' in e) return { set: single(e.literal), cp: e.literal };
    if ('set' in e) return e.negated ? negatePart(e.set, e.foldSafe, f) : { set: e.set };
    throw new RegexSyntaxError('unrecognized escape sequence');
  }
  const cp = sc.next();
  return { set: single(cp), cp };
}

/**
 * A bracketed class, cursor after `[`; leaves the cursor after `]`. Follows regex-syntax's
 * parse_set_class: leading `-`s and a first `]` are literals, union binds tighter than `&& -- ~~`
 * (left-associative), a range is `a-z` unless the `-` is followed by `]` or `-`.
 */
export function parseBracketClass(sc: Scanner, properties: Set<string>, f: Folding): ClassPart & { negated: boolean } {
  const add = (acc: ClassPart, part: ClassPart): ClassPart => ({ set: union(acc.set, part.set) });
  const literal = (cp: number): ClassPart => ({ set: single(cp), cp });
  const fold = (set: CharSet) => (f.caseInsensitive ? caseFold(set) : set);
  const unclosed = () => new RegexSyntaxError('unclosed character class');
  sc.skipSpace();
  let negated = false;
  if (sc.ch() === '^') {
    negated = true;
    sc.i++;
    sc.skipSpace();
  }
  let acc: ClassPart = { set: [] };
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
      acc = { set: op(fold(lhs.set), fold(acc.set)) };
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
      acc = { set: [] };
      sc.i += 2;
      continue;
    }
    if (c === '[') {
      const m = /^\[:(\^?)([a-z]+):\]/.exec(sc.rest());
      const posix = m ? posixClass(m[2]) : undefined;
      if (m && posix) {
        sc.i += m[0].length;
        acc = add(acc, m[1] ? negatePart(posix, false, f) : { set: posix });
        continue;
      }
      // a nested class is a union member
      sc.i++;
      const inner = parseBracketClass(sc, properties, f);
      acc = add(acc, inner.negated ? negatePart(inner.set, false, f) : inner);
      continue;
    }
    let part = classAtom(sc, properties, f);
    sc.skipSpace();
    if (sc.eof()) throw unclosed();
    if (sc.ch() === '-' && sc.peekSpace() !== ']' && sc.peekSpace() !== '-') {
      sc.i++;
      sc.skipSpace();
      if (sc.eof()) throw unclosed();
      if (part.cp === undefined) throw new RegexSyntaxError('invalid range boundary, must be a literal');
      const hi = classAtom(sc, properties, f);
      if (hi.cp === undefined) throw new RegexSyntaxError('invalid range boundary, must be a literal');
      if (hi.cp < part.cp) throw new RegexSyntaxError('invalid character class range, the start must be <= the end');
      part = { set: [part.cp, hi.cp] };
    }
    acc = add(acc, part);
  }
  finishOperand();
  return { set: normalize(acc.set), negated };
}
