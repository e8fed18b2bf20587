/** A cursor over a regex's code points, shared by the parsers of its parts. */
import { RegexSyntaxError } from './errors';

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

export class Scanner {
  readonly cps: number[];
  i = 0;
  /** (?x) in force: whitespace and `#` comments between items are skipped */
  extended = false;

  constructor(src: string) {
    this.cps = Array.from(src).map((c) => c.codePointAt(0)!);
  }

  /** The character k ahead of the cursor, or '' past the end. */
  ch(k = 0): string {
    return this.i + k < this.cps.length ? String.fromCodePoint(this.cps[this.i + k]) : '';
  }

  eof(): boolean {
    return this.i >= this.cps.length;
  }

  /** Everything from the cursor on. */
  rest(): string {
    return String.fromCodePoint(...this.cps.slice(this.i));
  }

  /** Consume and return the character at the cursor. */
  next(): number {
    return this.cps[this.i++];
  }

  /** In (?x) mode, skip whitespace and `#` comments (regex-syntax's bump_space). */
  skipSpace(): void {
    while (this.extended && !this.eof()) {
      const c = this.ch();
      if (isSpace(c)) this.i++;
      else if (c === '#') {
        while (!this.eof() && this.ch() !== '\n') this.i++;
      } else break;
    }
  }

  /** The character after the current one, looking past (?x) whitespace (regex-syntax's peek_space). */
  peekSpace(): string {
    const save = this.i;
    this.i++;
    this.skipSpace();
    const c = this.ch();
    this.i = save;
    return c;
  }

  /** The text of a `{...}` argument (`\x{41}`, `\p{Greek}`) at the cursor, which is left after the `}`. */
  braced(): string {
    const end = this.cps.indexOf(0x7d, this.i);
    if (end === -1) throw new RegexSyntaxError('found an opening { with no corresponding closing }');
    const text = String.fromCodePoint(...this.cps.slice(this.i + 1, end));
    this.i = end + 1;
    return text;
  }
}
