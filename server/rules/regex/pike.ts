/**
 * A Pike VM (Thompson NFA simulation) that answers "does the regex match anywhere" in
 * O(input × program) time. It exists for Rust's Unicode word boundaries, which RE2 only knows for
 * ASCII: index.ts runs it when a regex has `\b`-family assertions and the input is not ASCII.
 */
import type { AssertKind, Node } from './ast';
import { has, type CharSet } from './charset';

type Inst =
  | { op: 'char'; test: (cp: number) => boolean }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; to: number }
  | { op: 'assert'; what: AssertKind }
  | { op: 'match' };

/** `atom` answers the case-insensitive nodes (RE2's folding, so both engines fold alike). */
export type FoldedAtom = (n: Node & { fold: true }) => (cp: number) => boolean;

export function compilePike(root: Node, word: CharSet, folded: FoldedAtom): (s: string) => boolean {
  const prog: Inst[] = [];
  const emit = (n: Node): void => {
    switch (n.kind) {
      case 'empty':
        return;
      case 'literal': {
        const c = n.cp;
        prog.push({ op: 'char', test: n.fold ? folded(n as Node & { fold: true }) : (cp) => cp === c });
        return;
      }
      case 'class': {
        const { set, negated } = n;
        prog.push({ op: 'char', test: n.fold ? folded(n as Node & { fold: true }) : (cp) => has(set, cp) !== negated });
        return;
      }
      case 'dot':
        prog.push({ op: 'char', test: n.dotAll ? () => true : (cp) => cp !== 10 });
        return;
      case 'assert':
        prog.push({ op: 'assert', what: n.what });
        return;
      case 'concat':
        for (const x of n.items) emit(x);
        return;
      case 'alt': {
        const jumps: { op: 'jmp'; to: number }[] = [];
        n.items.forEach((x, k) => {
          if (k < n.items.length - 1) {
            const split = { op: 'split' as const, a: prog.length + 1, b: -1 };
            prog.push(split);
            emit(x);
            const j = { op: 'jmp' as const, to: -1 };
            prog.push(j);
            jumps.push(j);
            split.b = prog.length;
          } else emit(x);
        });
        for (const j of jumps) j.to = prog.length;
        return;
      }
      case 'repeat': {
        for (let k = 0; k < n.min; k++) emit(n.item);
        if (n.max === Infinity) {
          const split = { op: 'split' as const, a: prog.length + 1, b: -1 };
          const loop = prog.length;
          prog.push(split);
          emit(n.item);
          prog.push({ op: 'jmp', to: loop });
          split.b = prog.length;
        } else {
          const splits: { op: 'split'; a: number; b: number }[] = [];
          for (let k = n.min; k < n.max; k++) {
            const split = { op: 'split' as const, a: prog.length + 1, b: -1 };
            prog.push(split);
            splits.push(split);
            emit(n.item);
          }
          for (const s of splits) s.b = prog.length;
        }
        return;
      }
    }
  };
  emit(root);
  prog.push({ op: 'match' });

  const isWord = (cp: number) => cp >= 0 && has(word, cp);
  const holds = (what: AssertKind, at: number, len: number, prev: number, next: number): boolean => {
    switch (what) {
      case 'startText':
        return at === 0;
      case 'endText':
        return at === len;
      case 'startLine':
        return at === 0 || prev === 10;
      case 'endLine':
        return at === len || next === 10;
      case 'word':
        return isWord(prev) !== isWord(next);
      case 'notWord':
        return isWord(prev) === isWord(next);
      case 'wordStart':
        return !isWord(prev) && isWord(next);
      case 'wordEnd':
        return isWord(prev) && !isWord(next);
      case 'wordStartHalf':
        return !isWord(prev);
      case 'wordEndHalf':
        return !isWord(next);
    }
  };

  return (s: string): boolean => {
    const size = prog.length;
    let clist = new Int32Array(size);
    let nlist = new Int32Array(size);
    let cn = 0;
    let nn = 0;
    // generation marks: a pc is in the list being built iff mark[pc] === gen
    const mark = new Int32Array(size).fill(-1);
    const stack = new Int32Array(size * 2 + 2);
    let gen = 0;
    const len = s.length;
    /** follow empty transitions from pc at position `at`; char instructions land in the list */
    const add = (list: Int32Array, count: number, start: number, at: number, prev: number, next: number): number | -1 => {
      let sp = 0;
      stack[sp++] = start;
      while (sp > 0) {
        const pc = stack[--sp];
        if (mark[pc] === gen) continue;
        mark[pc] = gen;
        const inst = prog[pc];
        switch (inst.op) {
          case 'char':
            list[count++] = pc;
            break;
          case 'match':
            return -1;
          case 'jmp':
            stack[sp++] = inst.to;
            break;
          case 'split':
            stack[sp++] = inst.b;
            stack[sp++] = inst.a;
            break;
          case 'assert':
            if (holds(inst.what, at, len, prev, next)) stack[sp++] = pc + 1;
            break;
        }
      }
      return count;
    };
    let at = 0;
    let prev = -1;
    for (;;) {
      const next = at < len ? s.codePointAt(at)! : -1;
      // unanchored search: a thread may start at every position
      const added = add(clist, cn, 0, at, prev, next);
      if (added === -1) return true;
      cn = added;
      if (at >= len) return false;
      const step = next > 0xffff ? 2 : 1;
      gen++;
      nn = 0;
      for (let k = 0; k < cn; k++) {
        const inst = prog[clist[k]] as { op: 'char'; test: (cp: number) => boolean };
        if (inst.test(next)) {
          const r = add(nlist, nn, clist[k] + 1, at + step, next, at + step < len ? s.codePointAt(at + step)! : -1);
          if (r === -1) return true;
          nn = r;
        }
      }
      [clist, nlist] = [nlist, clist];
      cn = nn;
      at += step;
      prev = next;
    }
  };
}
