/**
 * A parsed Rust regex, reduced to what decides WHETHER a string matches (ATC's `~` asks only that):
 * groups, captures and greedy/lazy preferences are gone; inline flags are resolved onto the nodes
 * they govern (`fold` = case-insensitive, `dotAll` = `(?s)`, line anchors = `(?m)`), so emitting
 * for an engine needs no flag state.
 */
import type { CharSet } from './charset';

export type AssertKind =
  | 'startText' // ^ (no m), \A
  | 'endText' // $ (no m), \z
  | 'startLine' // (?m)^ : start, or after \n
  | 'endLine' // (?m)$ : end, or before \n
  | 'word' // \b
  | 'notWord' // \B
  | 'wordStart' // \b{start}, \<
  | 'wordEnd' // \b{end}, \>
  | 'wordStartHalf' // \b{start-half}: previous character is not a word character
  | 'wordEndHalf'; // \b{end-half}: next character is not a word character

export type Node =
  | { kind: 'empty' }
  | { kind: 'literal'; cp: number; fold: boolean }
  /** `set` as written; `negated` applies after case folding, as Rust's translator does. */
  | { kind: 'class'; set: CharSet; negated: boolean; fold: boolean }
  | { kind: 'dot'; dotAll: boolean }
  | { kind: 'assert'; what: AssertKind }
  | { kind: 'concat'; items: Node[] }
  | { kind: 'alt'; items: Node[] }
  | { kind: 'repeat'; item: Node; min: number; max: number };

export const WORD_ASSERTS: ReadonlySet<AssertKind> = new Set(['word', 'notWord', 'wordStart', 'wordEnd', 'wordStartHalf', 'wordEndHalf']);

/** Whether the regex looks at word boundaries (Unicode-aware in Rust). */
export function usesWordBoundary(n: Node): boolean {
  switch (n.kind) {
    case 'assert':
      return WORD_ASSERTS.has(n.what);
    case 'concat':
    case 'alt':
      return n.items.some(usesWordBoundary);
    case 'repeat':
      return usesWordBoundary(n.item);
    default:
      return false;
  }
}

/**
 * What a linear engine's work grows with, once repetitions are unrolled: `positions` (character
 * tests and assertions: matching costs up to input length × positions) and `ranges` (class ranges
 * held: memory and compile time).
 */
export function programSize(n: Node): { positions: number; ranges: number } {
  switch (n.kind) {
    case 'concat':
    case 'alt':
      return n.items.map(programSize).reduce((a, b) => ({ positions: a.positions + b.positions, ranges: a.ranges + b.ranges }), { positions: 1, ranges: 0 });
    case 'repeat': {
      const inner = programSize(n.item);
      const copies = Math.max(1, n.max === Infinity ? n.min + 1 : n.max);
      return { positions: 1 + inner.positions * copies, ranges: inner.ranges * copies };
    }
    case 'class':
      return { positions: 1, ranges: n.set.length / 2 };
    default:
      return { positions: 1, ranges: 0 };
  }
}
