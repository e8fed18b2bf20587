import { formatAst } from './ast';
import { MAX_EXPRESSION_LENGTH, parse } from './parser';

const canon = (src: string) => {
  const r = parse(src);
  if (!r.ok) throw new Error(`${src}: ${r.error.message}`);
  return formatAst(r.ast);
};
const err = (src: string) => {
  const r = parse(src);
  if (r.ok) throw new Error(`${src} parsed as ${formatAst(r.ast)}`);
  return r.error;
};

describe('precedence (peers.md §1.3, atc-router ast.rs expr_op_and_prec)', () => {
  it.each([
    ['a == 1 && b != 2 || c >= 3', '((a == 1) && ((b != 2) || (c >= 3)))'],
    ['a > 1 || b < 2 && c <= 3 || d not in "foo"', '(((a > 1) || (b < 2)) && ((c <= 3) || (d not in "foo")))'],
    ['!(a == 1) && b == 2 && !(c == 3) && d >= 4', '(((!((a == 1)) && (b == 2)) && !((c == 3))) && (d >= 4))'],
    ['a == 1 || b == 2 || c == 3', '(((a == 1) || (b == 2)) || (c == 3))'],
    ['a == 1 && b == 2 && c == 3', '(((a == 1) && (b == 2)) && (c == 3))'],
    ['(a == 1 && b == 2) || c == 3', '(((a == 1) && (b == 2)) || (c == 3))'],
    ['!(a == 1 || b == 2)', '!(((a == 1) || (b == 2)))'],
    ['! (a == 1)', '!((a == 1))'],
    ['!(!(a == 1))', '!(!((a == 1)))'],
    ['(((a == 1)))', '(a == 1)'],
  ])('%s', (src, expected) => {
    expect(canon(src)).toBe(expected);
  });
});

describe('literals', () => {
  it.each([
    ['a == 0x1F', '(a == 31)'],
    ['a == 0751', '(a == 489)'],
    ['a == -0x123', '(a == -291)'],
    ['a == -0123', '(a == -83)'],
    ['a == 09', '(a == 9)'],
    ['a == -0', '(a == 0)'],
    ['a == 9223372036854775807', '(a == 9223372036854775807)'],
    ['a == -9223372036854775807', '(a == -9223372036854775807)'],
    ['a == "x\\"y\\\\z\\n\\r\\t"', '(a == "x\\"y\\\\z\\n\\r\\t")'],
    ['a == r#"raw "q" \\d"#', '(a == "raw \\"q\\" \\\\d")'],
    ['a == "日本\u0000"', '(a == "日本\u0000")'],
    ['a == 192.168.0.1', '(a == 192.168.0.1)'],
    ['a in 192.168.0.0/16', '(a in 192.168.0.0/16)'],
    ['a == 0:0:0:0:0:0:0:1', '(a == ::1)'],
    ['a in fe80::/10', '(a in fe80::/10)'],
    ['a in ::/0', '(a in ::/0)'],
    ['a in 2001:DB8::/32', '(a in 2001:db8::/32)'],
    ['lower(any(a)) == "x"', '(lower(any(a)) == "x")'],
    ['lower ( a ) == "x"', '(lower(a) == "x")'],
    ['a contains"x"', '(a contains "x")'],
    ['a=="x"&&b!="y"', '((a == "x") && (b != "y"))'],
    ['a ~ r#"^\\d+$"#', '(a ~ "^\\\\d+$")'],
    ['x.y_z.3p ^= "a"', '(x.y_z.3p ^= "a")'],
    ['a =^ "x"\n&&\tb >= 1\r\n', '((a =^ "x") && (b >= 1))'],
  ])('%s', (src, expected) => {
    expect(canon(src)).toBe(expected);
  });
});

describe('parse errors: message and exact position', () => {
  it.each<[string, RegExp, number, number]>([
    // [source, message, start, end]
    ['http.path = "/foo"', /^expected a binary operator.*use == for equality/, 10, 11],
    ['a', /^expected a binary operator/, 1, 1],
    ['== 123', /^expected term/, 0, 1],
    ['! a == 1', /^expected term: `!` must be followed/, 0, 1],
    ['!!(a == 1)', /^expected term: `!` must be followed/, 0, 1],
    ['a == "x" &&', /^expected term/, 11, 11],
    ['a == "x" && ', /^expected term/, 12, 12],
    ['', /^expected term/, 0, 0],
    ['(a == "x"', /^expected && or \|\| or \), the parenthesis is never closed/, 9, 9],
    ['a == "x")', /^unbalanced \)/, 8, 9],
    ['a == "x" b == "y"', /^expected && or \|\| or the end/, 9, 10],
    ['a == "unterminated', /^unterminated string$/, 5, 18],
    ['a == "bad \\d"', /^invalid escape in string/, 10, 12],
    ['a == r#"x"', /^unterminated raw string/, 5, 10],
    ['a == r##"x"##', /^expected a value/, 5, 6],
    ['http.method == GET', /^expected a value; strings need double quotes: "GET"/, 15, 18],
    ['a == 1.5', /^expected && or \|\|/, 6, 7],
    ['a == 019', /^expected && or \|\|/, 7, 8],
    ['a == 0X1F', /^expected && or \|\|/, 6, 7],
    ['a == - 1', /^expected digits after -/, 6, 7],
    ['a == 9223372036854775808', /^number too large to fit in target type$/, 5, 24],
    ['a == -9223372036854775808', /^number too large to fit in target type$/, 6, 25],
    ['a in 10.0.0.1/8', /^host part of address was not zero$/, 5, 15],
    ['a in 10.0.0.0/33', /^invalid length for network: Network length 33 is too long for Ipv4 \(maximum: 32\)$/, 5, 16],
    ['a in ::1/129', /^invalid length for network: Network length 129 is too long for Ipv6 \(maximum: 128\)$/, 5, 12],
    ['a in fe80::1/10', /^host part of address was not zero$/, 5, 15],
    ['a == 256.0.0.1', /^invalid IPv4 address syntax$/, 5, 14],
    ['a == 01.0.0.1', /^invalid IPv4 address syntax$/, 5, 13],
    ['a == 1::2::3', /^invalid IPv6 address syntax$/, 5, 12],
    ['a in 10.0.0.0/024', /^expected && or \|\|/, 16, 17],
    ['a notin 10.0.0.0/8', /^write `not in` with exactly one space/, 2, 7],
    ['a not  in 10.0.0.0/8', /^write `not in` with exactly one space/, 2, 9],
    ['upper(a) == "x"', /^unknown transformation function: upper$/, 0, 5],
    ['lower() == "x"', /^expected lhs/, 6, 7],
    ['a ~ 1', /^regex operator can only be used with String operands$/, 4, 5],
    ['a ~ r#"(?=x)"#', /^regex parse error: look-around, including look-ahead and look-behind, is not supported$/, 4, 14],
    ['a ~ "(a)\\\\1"', /^regex parse error: backreferences are not supported$/, 4, 12],
    ['a ~ "[a"', /^regex parse error: unclosed character class$/, 4, 8],
    // syntax errors anywhere win over literal conversion errors (pest runs before parser.rs)
    ['a in 10.0.0.1/8 && (', /^expected term/, 20, 20],
    ['upper(a) == "x" &&', /^expected term/, 18, 18],
    ['a == 256.0.0.1 && a in 10.0.0.1/8', /^invalid IPv4 address syntax$/, 5, 14],
    ['_a == "x"', /^expected term: a predicate must start with a field name/, 0, 1],
    ['"x" == a', /^expected term/, 0, 1],
  ])('%s', (src, message, start, end) => {
    const e = err(src);
    expect(e.message).toMatch(message);
    expect([e.start, e.end]).toEqual([start, end]);
  });

  it('positions are JS string offsets (UTF-16) even after non-ASCII text', () => {
    const e = err('a == "日本" &&');
    expect([e.start, e.end]).toEqual([12, 12]);
  });
});

describe('limits', () => {
  it('rejects expressions longer than 4096 characters', () => {
    const long = `a == "${'x'.repeat(MAX_EXPRESSION_LENGTH)}"`;
    const e = err(long);
    expect(e.message).toMatch(/longer than 4096/);
    expect(e.start).toBe(4096);
  });
  it('accepts exactly 4096 characters', () => {
    const src = `a == "${'x'.repeat(MAX_EXPRESSION_LENGTH - 7)}"`;
    expect(src.length).toBe(MAX_EXPRESSION_LENGTH);
    expect(parse(src).ok).toBe(true);
  });
  it('rejects nesting deeper than 64 and names the offending parenthesis', () => {
    const deep = (n: number) => '('.repeat(n) + 'a == 1' + ')'.repeat(n);
    expect(parse(deep(64)).ok).toBe(true);
    const e = err(deep(65));
    expect(e.message).toMatch(/deeper than 64/);
    expect(e.start).toBe(64);
  });
  it('counts transform calls and negations towards nesting', () => {
    expect(parse(`${'!('.repeat(63)}lower(a) == "x"${')'.repeat(63)}`).ok).toBe(true);
    expect(parse(`${'!('.repeat(64)}lower(a) == "x"${')'.repeat(64)}`).ok).toBe(false);
  });
  it('long flat chains do not recurse (no stack overflow)', () => {
    const chain = Array.from({ length: 300 }, (_, i) => `a == ${i}`).join(' && ');
    expect(parse(chain).ok).toBe(true);
  });
});
