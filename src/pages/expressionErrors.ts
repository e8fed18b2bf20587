/**
 * Splits an expression into plain and erroneous segments for underlining, from the backend's
 * 0-based, end-exclusive error offsets (overlaps merged, out-of-range offsets clamped; an empty range
 * marks one character, or a caret at the end, so "unexpected end of input" stays visible).
 */
import type { ExpressionError } from '../../common/api';

export interface Segment {
  text: string;
  error: boolean;
}

export function errorSegments(expression: string, errors: ExpressionError[]): Segment[] {
  const n = expression.length;
  const marked = new Array<boolean>(n + 1).fill(false);
  for (const e of errors) {
    const start = Math.max(0, Math.min(n, Math.floor(e.start)));
    const end = Math.max(start + 1, Math.min(n + 1, Math.floor(e.end)));
    for (let i = start; i < end; i++) {
      marked[i] = true;
    }
  }
  // Position n is "after the end": shown as a marked space.
  const chars = [...expression.split(''), ' '];
  const out: Segment[] = [];
  for (let i = 0; i <= n; i++) {
    if (i === n && !marked[n]) {
      break;
    }
    const last = out[out.length - 1];
    if (last && last.error === marked[i]) {
      last.text += chars[i];
    } else {
      out.push({ text: chars[i], error: marked[i] });
    }
  }
  return out;
}

/** 1-based line:column of an offset (expressions may span lines). */
export function lineColumn(expression: string, offset: number): { line: number; column: number } {
  const before = expression.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}
