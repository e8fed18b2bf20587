/**
 * AST → pattern text for re2js (RE2 syntax), which matches in time linear in the input.
 * Classes are written as explicit ranges; case-insensitive nodes are wrapped in `(?i:…)` so RE2
 * folds them (then negates, as Rust does). Counted repetitions stay counted: the size bound in
 * index.ts keeps every count, and product of nested counts, under RE2's cap. Word boundaries are
 * RE2's ASCII ones: exact on ASCII input only (see index.ts).
 */
import type { Node } from './ast';
import type { CharSet } from './charset';

/** RE2 refuses a count, or a product of nested counts, above this; index.ts's size bound stays below it. */
export const RE2_MAX_REPEAT = 1000;
const ASCII_WORD = '[0-9A-Za-z_]';

function hex(cp: number): string {
  return `\\x{${cp.toString(16)}}`;
}

function ranges(set: CharSet): string {
  let s = '';
  for (let k = 0; k < set.length; k += 2) s += set[k] === set[k + 1] ? hex(set[k]) : `${hex(set[k])}-${hex(set[k + 1])}`;
  return s;
}

function classText(set: CharSet, negated: boolean): string {
  // RE2 has no empty class: "nothing" is the negation of everything, "everything" the negation of nothing
  if (set.length === 0) return negated ? '(?s:.)' : '[^\\x00-\\x{10ffff}]';
  return `[${negated ? '^' : ''}${ranges(set)}]`;
}

export interface Re2Pattern {
  source: string;
  /** RE2JS.LOOKBEHINDS is needed (half word boundaries) */
  lookbehinds: boolean;
}

export function emitRe2(root: Node): Re2Pattern {
  let lookbehinds = false;
  const emit = (n: Node): string => {
    switch (n.kind) {
      case 'empty':
        return '(?:)';
      case 'literal':
        return n.fold ? `(?i:${hex(n.cp)})` : hex(n.cp);
      case 'class': {
        const t = classText(n.set, n.negated);
        return n.fold ? `(?i:${t})` : t;
      }
      case 'dot':
        return n.dotAll ? '(?s:.)' : '[^\\n]';
      case 'assert':
        switch (n.what) {
          case 'startText':
            return '\\A';
          case 'endText':
            return '\\z';
          case 'startLine':
            return '(?m:^)';
          case 'endLine':
            return '(?m:$)';
          case 'word':
            return '\\b';
          case 'notWord':
            return '\\B';
          case 'wordStart':
            lookbehinds = true;
            return `\\b(?<!${ASCII_WORD})`;
          case 'wordEnd':
            lookbehinds = true;
            return `\\b(?<=${ASCII_WORD})`;
          case 'wordStartHalf':
            lookbehinds = true;
            return `(?<!${ASCII_WORD})`;
          case 'wordEndHalf':
            // the next character is not a word character: a boundary after one, or none after a non-word one
            lookbehinds = true;
            return `(?:\\b(?<=${ASCII_WORD})|\\B(?<!${ASCII_WORD}))`;
        }
        break;
      case 'concat':
        return n.items.map((x) => emit(x)).join('');
      case 'alt':
        return `(?:${n.items.map((x) => emit(x)).join('|')})`;
      case 'repeat': {
        const { min, max } = n;
        const inner = `(?:${emit(n.item)})`;
        if (max === Infinity) return min === 0 ? `${inner}*` : min === 1 ? `${inner}+` : `${inner}{${min},}`;
        return min === max ? `${inner}{${min}}` : `${inner}{${min},${max}}`;
      }
    }
    throw new Error('unreachable');
  };
  const source = emit(root);
  return { source, lookbehinds };
}
