/**
 * Escapes after `\`, inside or outside a class: literals (`\n`, `\x{41}`, escaped punctuation),
 * Unicode classes (`\d \s \w \p{…}`, Unicode-aware as in Rust) and assertions (`\b`, `\A`, …),
 * with Rust's wording for what it rejects (backreferences, unknown escapes).
 */
import type { AssertKind } from './ast';
import type { CharSet } from './charset';
import { RegexSyntaxError } from './errors';
import type { Scanner } from './scanner';
import { digit, propertyBody, space, v8ClassSet, word } from './unicode';

/**
 * Reading a Unicode property's ranges the first time costs milliseconds (unicode.ts), and a rule
 * answers synchronously: one rule may name this many distinct properties (all its regexes together).
 */
export const MAX_PROPERTIES_PER_RULE = 8;

/** `foldSafe`: the set is closed under case folding, so negating it before or after folding is the same. */
export type Escape = { literal: number } | { set: CharSet; negated: boolean; foldSafe: boolean } | { assert: AssertKind };

/** The escape at the cursor (just after its `\`); `properties` collects the rule's `\p{…}` names. */
export function parseEscape(sc: Scanner, inClass: boolean, properties: Set<string>): Escape {
  const c = sc.ch();
  if (c === '') throw new RegexSyntaxError('incomplete escape sequence, reached end of pattern prematurely');
  sc.i++;
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
      if (sc.ch() === '{') {
        hex = sc.braced();
      } else {
        const n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
        hex = String.fromCodePoint(...sc.cps.slice(sc.i, sc.i + n));
        if (hex.length !== n) throw new RegexSyntaxError('hexadecimal literal is not a Unicode scalar value');
        sc.i += n;
      }
      if (!/^[0-9A-Fa-f]{1,8}$/.test(hex)) throw new RegexSyntaxError('invalid hexadecimal digit');
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new RegexSyntaxError('hexadecimal literal is not a Unicode scalar value');
      return { literal: cp };
    }
    case 'p':
    case 'P': {
      let name: string;
      if (sc.ch() === '{') {
        name = sc.braced();
      } else {
        name = sc.ch();
        if (name === '') throw new RegexSyntaxError('incomplete escape sequence, reached end of pattern prematurely');
        sc.i++;
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
      if (c === 'b' && sc.ch() === '{' && /[A-Za-z-]/.test(sc.ch(1))) {
        const m = /^\{(start|end|start-half|end-half)\}/.exec(String.fromCodePoint(...sc.cps.slice(sc.i, sc.i + 12)));
        if (!m) throw new RegexSyntaxError('unrecognized word boundary assertion');
        sc.i += m[0].length;
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
}
