import type { ExpressionError } from '../../common/api';
import type { BinaryOp, Expr, Lhs, Literal, Transform } from './ast';
import { parseCidr, parseIpv4, parseIpv6 } from './ip';
import { compileRegex, type LinearRegex } from './regex';

/**
 * Recursive-descent parser for Kong's ATC expression grammar (atc_grammar.pest + parser.rs, v1.7.1),
 * reproducing its PEG choices: `||` binds tighter than `&&` (both left-assoc), `!` only directly
 * before `(`, field on the left and literal on the right, RHS tried as string, raw string, IP/CIDR,
 * then integer (octal, hex, decimal). Offsets are JS string indices, end exclusive.
 */

export const MAX_EXPRESSION_LENGTH = 4096;
export const MAX_NESTING = 64;

export type ParseResult = { ok: true; ast: Expr } | { ok: false; error: ExpressionError };

class ParseError extends Error {
  constructor(
    message: string,
    public start: number,
    public end: number,
  ) {
    super(message);
  }
}

const I64_MAX = (1n << 63n) - 1n;
const OPS: ReadonlyArray<[string, BinaryOp]> = [
  ['==', '=='],
  ['!=', '!='],
  ['~', '~'],
  ['^=', '^='],
  ['=^', '=^'],
  ['>=', '>='],
  ['>', '>'],
  ['<=', '<='],
  ['<', '<'],
  ['in', 'in'],
];
const BINOP_LIST = '==, !=, ~, ^=, =^, >, >=, <, <=, in, not in, contains';

export function parse(src: string): ParseResult {
  if (src.length > MAX_EXPRESSION_LENGTH) {
    return {
      ok: false,
      error: { message: `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, start: MAX_EXPRESSION_LENGTH, end: src.length },
    };
  }
  let pos = 0;
  let depth = 0;
  // the Unicode properties named by all of this rule's regexes, bounded together
  const regexProperties = new Set<string>();
  const isWs = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  const ws = () => {
    while (pos < src.length && isWs(src[pos])) pos++;
  };
  const fail = (message: string, start = pos, end = Math.min(start + 1, src.length)): never => {
    throw new ParseError(message, start, Math.max(end, start));
  };
  // atc-router first checks the whole input against the pest grammar, then converts literals
  // (IP, CIDR, i64, regex, transform names). So a syntax error anywhere wins over a conversion
  // error; conversion errors are recorded here (first in source order) and reported at the end.
  let conversionError: ParseError | undefined;
  const soft = (message: string, start: number, end: number) => {
    conversionError ??= new ParseError(message, start, end);
  };
  const enter = (at: number) => {
    if (++depth > MAX_NESTING) fail(`expression nests deeper than ${MAX_NESTING} levels`, at, at + 1);
  };

  const identAt = (p: number): number => {
    if (!/[A-Za-z]/.test(src[p] ?? '')) return p;
    let q = p + 1;
    while (q < src.length && /[A-Za-z0-9_.]/.test(src[q])) q++;
    return q;
  };

  // expression := or_expr ("&&" or_expr)*
  const parseAnd = (): Expr => {
    let left = parseOr();
    for (;;) {
      ws();
      if (!src.startsWith('&&', pos)) return left;
      pos += 2;
      const right = parseOr();
      left = { kind: 'and', left, right, start: left.start, end: right.end };
    }
  };
  const parseOr = (): Expr => {
    let left = parseTerm();
    for (;;) {
      ws();
      if (!src.startsWith('||', pos)) return left;
      pos += 2;
      const right = parseTerm();
      left = { kind: 'or', left, right, start: left.start, end: right.end };
    }
  };
  const parseTerm = (): Expr => {
    ws();
    const start = pos;
    if (src[pos] === '!' || src[pos] === '(') {
      let not = false;
      if (src[pos] === '!') {
        not = true;
        pos++;
        ws();
        if (src[pos] !== '(') fail('expected term: `!` must be followed by a parenthesised expression, e.g. !(a == 1)', start);
      }
      enter(pos);
      pos++;
      const inner = parseAnd();
      ws();
      if (src[pos] !== ')') {
        fail(pos >= src.length ? 'expected && or || or ), the parenthesis is never closed' : 'expected && or || or )', pos);
      }
      pos++;
      depth--;
      return not ? { kind: 'not', expr: inner, start, end: pos } : inner;
    }
    if (pos >= src.length) fail('expected term: a predicate such as `http.response.status_code >= 500` or a parenthesised expression', pos, pos);
    if (!/[A-Za-z]/.test(src[pos])) fail('expected term: a predicate must start with a field name', pos);
    return parsePredicate();
  };

  const parseLhs = (): Lhs => {
    ws();
    const start = pos;
    const end = identAt(pos);
    if (end === pos) fail('expected a field name', pos);
    const name = src.slice(pos, end);
    pos = end;
    // lhs := ident "(" lhs ")" | ident  (ordered choice: a call when "(" follows)
    const save = pos;
    ws();
    if (src[pos] === '(') {
      if (name !== 'lower' && name !== 'any') soft(`unknown transformation function: ${name}`, start, end);
      enter(pos);
      pos++;
      ws();
      if (!/[A-Za-z]/.test(src[pos] ?? '')) fail('expected lhs: a field name or lower(...)/any(...)', pos);
      const inner = parseLhs();
      ws();
      if (src[pos] !== ')') fail('expected ) to close the transformation function', pos);
      pos++;
      depth--;
      return { ...inner, transforms: [name as Transform, ...inner.transforms], start, end: pos };
    }
    pos = save;
    return { field: name, fieldStart: start, fieldEnd: end, transforms: [], start, end };
  };

  const parseOp = (): BinaryOp => {
    ws();
    const at = pos;
    for (const [text, op] of OPS) {
      if (src.startsWith(text, pos)) {
        pos += text.length;
        return op;
      }
    }
    if (src.startsWith('not', pos)) {
      let q = pos + 3;
      while (q < src.length && isWs(src[q])) q++;
      if (src.startsWith('in', q)) {
        // pest accepts `notin` and `not  in`, but parser.rs only knows the exact text "not in" and
        // panics (unreachable!) on the others; Kong cannot run them, so they are errors here
        if (src.slice(pos, q + 2) !== 'not in') fail('write `not in` with exactly one space between the words', at, q + 2);
        pos = q + 2;
        return 'not in';
      }
    }
    if (src.startsWith('contains', pos)) {
      pos += 8;
      return 'contains';
    }
    if (src[pos] === '=' && src[pos + 1] !== '=') fail(`expected a binary operator (${BINOP_LIST}); use == for equality`, at);
    return fail(`expected a binary operator (${BINOP_LIST})`, at, pos >= src.length ? at : at + 1);
  };

  const parseString = (): Literal => {
    const start = pos;
    pos++;
    let value = '';
    for (;;) {
      if (pos >= src.length) fail('unterminated string', start, src.length);
      const c = src[pos];
      if (c === '"') {
        pos++;
        return { type: 'String', value, start, end: pos };
      }
      if (c === '\\') {
        const e = src[pos + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t' };
        if (e === undefined || map[e] === undefined) {
          fail('invalid escape in string: only \\" \\\\ \\n \\r \\t are allowed (use a raw string r#"..."# for regexes)', pos, Math.min(pos + 2, src.length));
        }
        value += map[e];
        pos += 2;
        continue;
      }
      value += c;
      pos++;
    }
  };

  const parseRawString = (): Literal => {
    const start = pos;
    const close = src.indexOf('"#', pos + 3);
    if (close === -1) fail('unterminated raw string: expected "# to close r#"', start, src.length);
    const value = src.slice(pos + 3, close);
    pos = close + 2;
    return { type: 'String', value, start, end: pos };
  };

  /** ip := ipv4 "/" d{1,2} | ipv6 "/" d{1,3} | ipv4 | ipv6 (atomic tokens, no inner whitespace) */
  const tryIp = (): Literal | undefined => {
    const start = pos;
    const v4 = /^[0-9]{1,3}(?:\.[0-9]{1,3}){3}/.exec(src.slice(pos, pos + 64));
    const v6 = v4 ? null : /^(?::|[0-9A-Fa-f]{1,4}):(?:[0-9A-Fa-f]{1,4}|:)*/.exec(src.slice(pos, pos + 128));
    const m = v4 ?? v6;
    if (!m) return undefined;
    const v = v4 ? 4 : 6;
    const addrText = m[0];
    let end = pos + addrText.length;
    const len = v === 4 ? /^\/([0-9]{1,2})/.exec(src.slice(end, end + 3)) : /^\/([0-9]{1,3})/.exec(src.slice(end, end + 4));
    if (len) {
      end += len[0].length;
      const r = parseCidr(addrText, len[1], v);
      pos = end;
      if (!r.ok) {
        soft(r.message, start, end);
        return { type: 'IpCidr', cidr: { v, net: v === 4 ? 0 : 0n, len: 0 }, start, end };
      }
      return { type: 'IpCidr', cidr: r.cidr, start, end };
    }
    if (v === 4) {
      const n = parseIpv4(addrText);
      if (n === undefined) soft('invalid IPv4 address syntax', start, end);
      pos = end;
      return { type: 'IpAddr', addr: { v: 4, n: n ?? 0 }, start, end };
    }
    const n = parseIpv6(addrText);
    if (n === undefined) soft('invalid IPv6 address syntax', start, end);
    pos = end;
    return { type: 'IpAddr', addr: { v: 6, n: n ?? 0n }, start, end };
  };

  /** int := "-"? (oct | hex | dec), tried in that order; the magnitude must fit i64 before the sign */
  const tryInt = (): Literal | undefined => {
    const start = pos;
    let p = pos;
    const neg = src[p] === '-';
    if (neg) p++;
    const digitsStart = p;
    let m: RegExpExecArray | null;
    let value: bigint;
    const rest = src.slice(p, p + 80);
    if ((m = /^0[0-7]+/.exec(rest))) value = BigInt('0o' + m[0].slice(1));
    else if ((m = /^0x[0-9A-Fa-f]+/.exec(rest))) value = BigInt(m[0]);
    else if ((m = /^[0-9]+/.exec(rest))) value = BigInt(m[0]);
    else if (neg) return fail('expected digits after -', p);
    else return undefined;
    // a longer run of digits than the 80-char window cannot fit i64 anyway
    let end = p + m[0].length;
    while (/[0-9A-Fa-f]/.test(src[end] ?? '') && m[0].length >= 80) end++;
    if (value > I64_MAX) soft('number too large to fit in target type', digitsStart, end);
    pos = end;
    return { type: 'Int', value: neg ? -value : value, start, end };
  };

  const parseRhs = (op: BinaryOp): Literal => {
    ws();
    const start = pos;
    let lit: Literal | undefined;
    if (src[pos] === '"') lit = parseString();
    else if (src.startsWith('r#"', pos)) lit = parseRawString();
    else lit = tryIp() ?? tryInt();
    if (!lit) {
      const word = /^[A-Za-z_][A-Za-z0-9_.\-\/]*/.exec(src.slice(pos, pos + 200));
      if (word) fail(`expected a value; strings need double quotes: "${word[0]}"`, start, start + word[0].length);
      fail('expected a value: a "string", a r#"raw string"#, an integer, an IP address or a CIDR', start, pos >= src.length ? start : start + 1);
    }
    const l = lit as Literal;
    if (op === '~') {
      const never: LinearRegex = { test: () => false, engine: 're2', re2Source: '' };
      if (l.type !== 'String') {
        soft('regex operator can only be used with String operands', l.start, l.end);
        return { type: 'Regex', source: '', regex: never, start: l.start, end: l.end };
      }
      const r = compileRegex(l.value, regexProperties);
      if (!r.ok) soft(r.message, l.start, l.end);
      return { type: 'Regex', source: l.value, regex: r.ok ? r.regex : never, start: l.start, end: l.end };
    }
    return l;
  };

  const parsePredicate = (): Expr => {
    const lhs = parseLhs();
    const op = parseOp();
    const rhs = parseRhs(op);
    return { kind: 'predicate', lhs, op, rhs, start: lhs.start, end: rhs.end };
  };

  try {
    const ast = parseAnd();
    ws();
    if (pos < src.length) {
      fail(src[pos] === ')' ? 'unbalanced ): expected && or || or the end of the expression' : 'expected && or || or the end of the expression', pos);
    }
    if (conversionError) throw conversionError;
    return { ok: true, ast };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: { message: e.message, start: e.start, end: e.end } };
    throw e;
  }
}
