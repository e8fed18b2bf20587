/**
 * Rust `regex` crate syntax → JavaScript RegExp (with the `u` flag), keeping Rust's semantics:
 * `\d \w \s \b` are Unicode-aware (JS's are ASCII-only), `.` excludes only `\n`, `^`/`$` (multi-line)
 * break only at `\n`, inline flags `i m s x U` apply from where they appear to the end of their group.
 * What Rust rejects (look-around, backreferences, unknown escapes, `{,n}`) is rejected with Rust's
 * wording. A few things Rust accepts have no faithful JS equivalent on Node 20 and are rejected with
 * an explicit "not supported by kong-debugger" message: a case-insensitive flag anywhere but the very
 * start, class set operations (`&&`, `--`, `~~`) and nested classes, `\W` inside a class, `(?-u)`/`(?R)`.
 */

export type RegexResult = { ok: true; regex: RegExp; js: string } | { ok: false; message: string };

class RegexError extends Error {}

const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const BOUNDARY: Record<string, string> = {
  start: `(?<![${WORD}])(?=[${WORD}])`,
  end: `(?<=[${WORD}])(?![${WORD}])`,
  'start-half': `(?<![${WORD}])`,
  'end-half': `(?![${WORD}])`,
};

/** `[:^name:]`: the complement of an ASCII POSIX class, as explicit ranges over all of Unicode. */
function posixComplement(body: string): string {
  const chars = new RegExp(`[${body}]`, 'u');
  const out: string[] = [];
  let start = -1;
  for (let cp = 0; cp <= 0x80; cp++) {
    const inside = cp < 0x80 && chars.test(String.fromCodePoint(cp));
    if (!inside && start === -1) start = cp;
    if (inside && start !== -1) {
      out.push(`${lit(start, true)}-${lit(cp - 1, true)}`);
      start = -1;
    }
  }
  out.push(`${lit(start, true)}-\\u{10FFFF}`);
  return out.join('');
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  U: boolean;
}

/** Escape one code point for use inside or outside a JS `u` class. */
function lit(cp: number, inClass = false): string {
  const ch = String.fromCodePoint(cp);
  // `u` mode only allows `\-` inside a class
  if (/[\\^$.*+?()[\]{}|\/]/.test(ch) || (inClass && ch === '-')) return '\\' + ch;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) return `\\u{${cp.toString(16)}}`;
  return ch;
}

/** Rust accepts any spelling that normalises to a known name; these common ones have no JS twin. */
const LOOSE_ALIASES: Record<string, string> = {
  whitespace: 'White_Space',
  wspace: 'White_Space',
  space: 'White_Space',
  punct: 'P',
  digit: 'Nd',
  oldpersian: 'Old_Persian',
  oldturkic: 'Old_Turkic',
  oldhungarian: 'Old_Hungarian',
  oldpermic: 'Old_Permic',
  olditalic: 'Old_Italic',
  oldnortharabian: 'Old_North_Arabian',
  oldsoutharabian: 'Old_South_Arabian',
  oldsogdian: 'Old_Sogdian',
  olduyghur: 'Old_Uyghur',
  uppercaseletter: 'Lu',
  lowercaseletter: 'Ll',
  titlecaseletter: 'Lt',
  decimalnumber: 'Nd',
  extendedpictographic: 'Extended_Pictographic',
};

/** Resolve `\p{...}` the loose way Rust does (case, `_`, `-`, spaces ignored; scripts without `Script=`). */
function unicodeProperty(name: string, negated: boolean): string {
  let raw = name.trim();
  let key: string | undefined;
  const m = /^([^=:!]+?)\s*(!=|=|:)\s*(.+)$/.exec(raw);
  if (m) {
    key = m[1].replace(/[\s_-]/g, '').toLowerCase();
    raw = m[3];
    // the regex docs say `!=` negates, but the engine Kong ships matches it like `=`; follow Kong

  }
  if (key === 'age') throw new RegexError('Unicode Age properties are not supported by kong-debugger');
  const pp = negated ? 'P' : 'p';
  const candidates: string[] = [];
  // Rust's loose matching (UAX44-LM3) keeps only ASCII letters and digits, ignores case and an
  // initial "is"; JS needs the exact spelling, so try the plausible spellings of what remains
  raw = raw.replace(/[^\x00-\x7f]/g, '');
  const alias = LOOSE_ALIASES[raw.replace(/[\s_-]/g, '').toLowerCase()];
  if (alias && key === undefined) raw = alias;
  const bases = /^is/i.test(raw) && raw.length > 2 ? [raw, raw.slice(2)] : [raw];
  const variants = bases.flatMap((b) => [b, b.replace(/[\s-]/g, '_'), b.replace(/[\s_-]/g, '')]);
  const title = (s: string) =>
    s
      .split('_')
      .map((w) => (w ? w[0].toUpperCase() + w.slice(1).toLowerCase() : w))
      .join('_');
  for (const v of variants) {
    for (const form of [v, title(v), v.toUpperCase()]) {
      if (key === undefined || key === 'generalcategory' || key === 'gc') candidates.push(form);
      if (key === undefined || key === 'script' || key === 'sc') candidates.push(`Script=${form}`);
      if (key === 'scriptextensions' || key === 'scx') candidates.push(`Script_Extensions=${form}`);
    }
  }
  for (const c of candidates) {
    try {
      new RegExp(`\\${pp}{${c}}`, 'u');
      return `\\${pp}{${c}}`;
    } catch {
      /* try the next spelling */
    }
  }
  throw new RegexError('Unicode property not found');
}

export function translateRegex(src: string): string {
  const cps = Array.from(src).map((c) => c.codePointAt(0)!);
  let i = 0;
  const ch = (k = 0) => (i + k < cps.length ? String.fromCodePoint(cps[i + k]) : '');
  let leadingI = false;
  // a leading `(?i)` (or `(?i…)` flag group) becomes the JS `i` flag; it then applies to everything
  if (/^\(\?[imsxU]*i[imsxU]*\)/.test(src)) leadingI = true;
  const flagStack: Flags[] = [{ i: leadingI, m: false, s: false, x: false, U: false }];
  const cur = () => flagStack[flagStack.length - 1];
  let out = '';
  // where the last repeatable item starts in `out` (-1: nothing to repeat); a quantifier wraps it
  // in (?:…) so that Rust-legal forms JS rejects (`a**`, `^*`, `\b+`) still compile
  let atomStart = -1;
  // JS backtracks where Rust's regex is linear: an unbounded repetition of something that itself
  // repeats without bound (`(a+)+`, `(a*)*b`) can take exponential time on the ingest hot path, so
  // it is refused. Track whether the last atom / each open group contains an unbounded repetition.
  let atomUnbounded = false;
  const groupUnbounded: boolean[] = [false];
  // Overlapping alternatives under an unbounded repetition (`(a|aa)+`, `(a|a)*b`) are exponential too,
  // and overlap is hard to rule out, so any group holding an alternation may not be repeated without bound.
  let atomAlt = false;
  const groupAlt: boolean[] = [false];
  const groupStarts: number[] = [];
  const names = new Set<string>();
  let depth = 0;

  const skipExtended = () => {
    while (cur().x && i < cps.length) {
      const c = ch();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') i++;
      else if (c === '#') {
        while (i < cps.length && ch() !== '\n') i++;
      } else break;
    }
  };

  /** The text of a `{...}` argument (`\x{41}`, `\p{Greek}`) at the cursor, which is left after the `}`. */
  const braced = (): string => {
    const end = cps.indexOf(0x7d, i);
    if (end === -1) throw new RegexError('found an opening { with no corresponding closing }');
    const text = String.fromCodePoint(...cps.slice(i + 1, end));
    i = end + 1;
    return text;
  };

  /** An escape after `\`; returns the JS text and whether it is a single literal code point. */
  const escape = (inClass: boolean): { js: string; cp?: number } => {
    const c = ch();
    if (c === '') throw new RegexError('incomplete escape sequence, reached end of pattern prematurely');
    i++;
    switch (c) {
      case 'd':
        return { js: '\\p{Nd}' };
      case 'D':
        return { js: '\\P{Nd}' };
      case 's':
        return { js: '\\p{White_Space}' };
      case 'S':
        return { js: '\\P{White_Space}' };
      case 'w':
        return { js: inClass ? WORD : `[${WORD}]` };
      case 'W':
        if (inClass) throw new RegexError('\\W inside a character class is not supported by kong-debugger');
        return { js: `[^${WORD}]` };
      case 'n':
        return { js: '\\n', cp: 10 };
      case 't':
        return { js: '\\t', cp: 9 };
      case 'r':
        return { js: '\\r', cp: 13 };
      case 'f':
        return { js: '\\f', cp: 12 };
      case 'v':
        return { js: '\\v', cp: 11 };
      case 'a':
        return { js: '\\x07', cp: 7 };
      case 'x':
      case 'u':
      case 'U': {
        let hex: string;
        if (ch() === '{') {
          hex = braced();
        } else {
          const n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
          hex = String.fromCodePoint(...cps.slice(i, i + n));
          if (hex.length !== n) throw new RegexError('hexadecimal literal is not a Unicode scalar value');
          i += n;
        }
        if (!/^[0-9A-Fa-f]{1,8}$/.test(hex)) throw new RegexError('invalid hexadecimal digit');
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
          throw new RegexError('hexadecimal literal is not a Unicode scalar value');
        return { js: lit(cp, inClass), cp };
      }
      case 'p':
      case 'P': {
        let name: string;
        if (ch() === '{') {
          name = braced();
        } else {
          name = ch();
          if (name === '') throw new RegexError('incomplete escape sequence, reached end of pattern prematurely');
          i++;
        }
        return { js: unicodeProperty(name, c === 'P') };
      }
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        if (inClass) throw new RegexError('unrecognized escape sequence');
        // no JS `m` flag is ever set, so ^ and $ are exactly Rust's \A and \z
        if (c === 'A') return { js: '^' };
        if (c === 'z') return { js: '$' };
        if (c === 'b' && ch() === '{') {
          const m = /^\{(start|end|start-half|end-half)\}/.exec(String.fromCodePoint(...cps.slice(i, i + 12)));
          if (!m) throw new RegexError('unrecognized word boundary assertion');
          i += m[0].length;
          return { js: BOUNDARY[m[1]] };
        }
        return {
          js:
            c === 'b'
              ? `(?:(?<=[${WORD}])(?![${WORD}])|(?<![${WORD}])(?=[${WORD}]))`
              : `(?:(?<=[${WORD}])(?=[${WORD}])|(?<![${WORD}])(?![${WORD}]))`,
        };
      default:
        if (/[0-9]/.test(c)) throw new RegexError('backreferences are not supported');
        // Rust allows escaping any ASCII punctuation and ASCII whitespace as a literal
        if (/[!-\/:-@\[-`{-~ \t\n\v\f\r]/.test(c)) {
          if (c === '<' || c === '>') {
            if (inClass) throw new RegexError('unrecognized escape sequence');
            return { js: BOUNDARY[c === '<' ? 'start' : 'end'] };
          }
          return { js: lit(c.codePointAt(0)!, inClass), cp: c.codePointAt(0)! };
        }
        throw new RegexError('unrecognized escape sequence');
    }
  };

  const parseClass = (): string => {
    // at the char after '['
    let js = '[';
    if (ch() === '^') {
      js += '^';
      i++;
    }
    let first = true;
    for (;;) {
      if (i >= cps.length) throw new RegexError('unclosed character class');
      const c = ch();
      if (c === ']' && !first) {
        i++;
        break;
      }
      first = false;
      if (c === '[' && ch(1) === ':') {
        const rest = String.fromCodePoint(...cps.slice(i + 2));
        const m = /^(\^?)([a-z]+):\]/.exec(rest);
        if (m && POSIX[m[2]] !== undefined) {
          js += m[1] ? posixComplement(POSIX[m[2]]) : POSIX[m[2]];
          i += 2 + m[0].length;
          continue;
        }
      }
      if (c === '[') {
        // a nested class is a union; flatten it unless negated (no JS `u` equivalent)
        i++;
        if (ch() === '^') throw new RegexError('negated nested character classes are not supported by kong-debugger');
        const inner = parseClass();
        js += inner.slice(1, -1);
        continue;
      }
      if ((c === '&' && ch(1) === '&') || (c === '-' && ch(1) === '-') || (c === '~' && ch(1) === '~'))
        throw new RegexError('character class set operations are not supported by kong-debugger');
      // one item, maybe the start of a range
      let item: { js: string; cp?: number };
      if (c === '\\') {
        i++;
        item = escape(true);
      } else {
        i++;
        item = { js: lit(cps[i - 1], true), cp: cps[i - 1] };
      }
      if (ch() === '-' && ch(1) === '-') throw new RegexError('character class set operations are not supported by kong-debugger');
      if (ch() === '-' && ch(1) !== ']' && ch(1) !== '') {
        i++;
        if (item.cp === undefined) throw new RegexError('invalid range boundary, must be a literal');
        let hi: { js: string; cp?: number };
        if (ch() === '\\') {
          i++;
          hi = escape(true);
        } else {
          i++;
          hi = { js: lit(cps[i - 1], true), cp: cps[i - 1] };
        }
        if (hi.cp === undefined) throw new RegexError('invalid range boundary, must be a literal');
        if (hi.cp < item.cp) throw new RegexError('invalid character class range, the start must be <= the end');
        js += `${item.js}-${hi.js}`;
      } else {
        js += item.js;
      }
    }
    return js + ']';
  };

  while (i < cps.length) {
    skipExtended();
    if (i >= cps.length) break;
    const c = ch();
    const f = cur();
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let q = c;
      if (c === '{') {
        const rest = String.fromCodePoint(...cps.slice(i));
        // regex-syntax's parse_decimal skips whitespace around digits in any mode, but only
        // (?x) skips it between "," and "}" in an open-ended {n, }
        const m = /^\{\s*(\d*)\s*(?:(,)(\s*)(\d*)\s*)?\}/.exec(rest);
        if (m && m[2] && m[4] === '' && m[3] !== '' && !f.x) throw new RegexError('repetition quantifier expects a valid decimal');
        if (!m) {
          if (atomStart === -1) throw new RegexError('repetition operator missing expression');
          throw new RegexError(rest.includes('}') ? 'repetition quantifier expects a valid decimal' : 'unclosed counted repetition');
        }
        if (m[1] === '') throw new RegexError('repetition quantifier expects a valid decimal');
        if (m[4] !== undefined && m[4] !== '' && Number(m[4]) < Number(m[1]))
          throw new RegexError('invalid repetition count range, the start must be <= the end');
        q = `{${Number(m[1])}${m[2] ?? ''}${m[4] ? Number(m[4]) : ''}}`;
        i += Array.from(m[0]).length;
      } else i++;
      if (atomStart === -1) throw new RegexError('repetition operator missing expression');
      const unbounded = q === '*' || q === '+' || q.endsWith(',}');
      if (unbounded && atomAlt) {
        throw new RegexError(
          'an alternation under an unbounded repetition (like (a|aa)+) is not supported by kong-debugger: JavaScript regexes can backtrack exponentially on it; use a character class or a bounded {n,m}',
        );
      }
      if (unbounded && atomUnbounded) {
        throw new RegexError(
          'nested unbounded repetition (like (a+)+) is not supported by kong-debugger: JavaScript regexes can backtrack exponentially on it',
        );
      }
      if (unbounded) {
        atomUnbounded = true;
        groupUnbounded[groupUnbounded.length - 1] = true;
      }
      let lazy = false;
      if (ch() === '?') {
        lazy = true;
        i++;
      }
      if (f.U) lazy = !lazy;
      out = `${out.slice(0, atomStart)}(?:${out.slice(atomStart)})${q}${lazy ? '?' : ''}`;
      continue;
    }
    atomStart = out.length;
    atomUnbounded = false;
    atomAlt = false;
    if (c === '\\') {
      i++;
      const e = escape(false);
      out += e.js;
    } else if (c === '[') {
      i++;
      out += parseClass();
    } else if (c === '.') {
      i++;
      out += f.s ? '[\\s\\S]' : '[^\\n]';
    } else if (c === '^') {
      i++;
      out += f.m ? '(?:^|(?<=\\n))' : '^';
    } else if (c === '$') {
      i++;
      out += f.m ? '(?:$|(?=\\n))' : '$';
    } else if (c === '|') {
      i++;
      out += '|';
      atomStart = -1;
      groupAlt[groupAlt.length - 1] = true;
    } else if (c === ')') {
      if (depth === 0) throw new RegexError('unopened group');
      i++;
      depth--;
      flagStack.pop();
      out += ')';
      atomStart = groupStarts.pop()!;
      atomUnbounded = groupUnbounded.pop()!;
      if (atomUnbounded) groupUnbounded[groupUnbounded.length - 1] = true;
      // `(a|b)+` is a character class in disguise: distinct single characters cannot overlap.
      atomAlt = groupAlt.pop()! && !isCharAlternation(out.slice(atomStart));
      if (atomAlt) groupAlt[groupAlt.length - 1] = true;
    } else if (c === '(') {
      i++;
      const groupStart = out.length;
      atomStart = -1;
      if (ch() !== '?') {
        groupStarts.push(groupStart);
        groupUnbounded.push(false);
        groupAlt.push(false);
        out += '(';
        depth++;
        flagStack.push({ ...cur() });
        continue;
      }
      i++;
      const rest = String.fromCodePoint(...cps.slice(i));
      if (/^(=|!|<=|<!)/.test(rest)) throw new RegexError('look-around, including look-ahead and look-behind, is not supported');
      const named = /^P?<([A-Za-z_][A-Za-z0-9_.\[\]]*)>/.exec(rest);
      if (named) {
        // names are only captures for Kong; we never expose them, so a plain group is equivalent
        if (names.has(named[1])) throw new RegexError('duplicate capture group name');
        names.add(named[1]);
        i += named[0].length;
        groupStarts.push(groupStart);
        groupUnbounded.push(false);
        groupAlt.push(false);
        out += '(';
        depth++;
        flagStack.push({ ...cur() });
        continue;
      }
      if (rest.startsWith(')')) throw new RegexError('repetition operator missing expression');
      const fm = /^([-imsxURu]*)(:|\))/.exec(rest);
      if (!fm) throw new RegexError(rest.startsWith('P') || rest.startsWith('<') ? 'invalid capture group name' : 'unrecognized flag');
      const nf = { ...cur() };
      let neg = false;
      const seen = new Set<string>();
      for (const fl of fm[1]) {
        if (fl === '-') {
          if (neg) throw new RegexError('flag negation operator repeated');
          neg = true;
          continue;
        }
        if (seen.has(fl)) throw new RegexError('duplicate flag');
        seen.add(fl);
        if (fl === 'u' || fl === 'R') {
          if (neg || fl === 'R') throw new RegexError(`flag ${neg ? '-' : ''}${fl} is not supported by kong-debugger`);
          continue;
        }
        const k = fl as keyof Flags;
        if (k === 'i' && nf.i !== !neg) {
          // JS on Node 20 has no scoped modifiers; only a leading (?i) maps onto the `i` flag
          if (!(leadingI && out === '' && !neg))
            throw new RegexError('case-insensitive flag (?i) is not supported by kong-debugger except at the start of the pattern');
        }
        if (k === 'i' && leadingI && neg) throw new RegexError('turning off (?i) is not supported by kong-debugger');
        nf[k] = !neg;
      }
      if (fm[1].endsWith('-')) throw new RegexError('dangling flag negation operator');
      i += fm[0].length;
      if (fm[2] === ')') {
        flagStack[flagStack.length - 1] = nf;
      } else {
        groupStarts.push(groupStart);
        groupUnbounded.push(false);
        groupAlt.push(false);
        out += '(?:';
        depth++;
        flagStack.push(nf);
      }
    } else {
      i++;
      out += lit(cps[i - 1]);
    }
  }
  if (depth > 0) throw new RegexError('unclosed group');
  return (leadingI ? 'i:' : ':') + out;
}

/** Translate and compile; the error message keeps Rust's `regex parse error:` prefix that ATC shows. */
export function compileRegex(src: string): RegexResult {
  try {
    const t = translateRegex(src);
    const colon = t.indexOf(':');
    const js = t.slice(colon + 1);
    const regex = new RegExp(js, t.slice(0, colon) + 'u');
    return { ok: true, regex, js };
  } catch (e) {
    const msg = e instanceof RegexError ? e.message : (e as Error).message.replace(/^Invalid regular expression: /, '');
    return { ok: false, message: `regex parse error: ${msg}` };
  }
}

/** `(a|b|c)` / `(?:a|b)` with distinct plain single characters (escapes are not looked into). */
function isCharAlternation(group: string): boolean {
  const m = /^\((?:\?:)?(.*)\)$/s.exec(group);
  if (!m || m[1].includes('\\')) return false;
  const branches = m[1].split('|');
  return branches.every((b) => b.length === 1 && !'()[]{}.*+?^$'.includes(b)) && new Set(branches.map((b) => b.toLowerCase())).size === branches.length; // case-folded: (?i) may be on
}
