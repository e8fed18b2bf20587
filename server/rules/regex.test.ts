import { compileRegex, translateRegex } from './regex';

const re = (src: string) => {
  const r = compileRegex(src);
  if (!r.ok) throw new Error(`${src}: ${r.message}`);
  return r.regex;
};
const rejects = (src: string) => {
  const r = compileRegex(src);
  if (r.ok) throw new Error(`${src} compiled to ${r.js}`);
  return r.message;
};

describe('Rust regex semantics in JS', () => {
  it.each<[string, string, boolean]>([
    ['\\d', '٣', true], // Unicode digits, unlike JS \d
    ['\\d', 'a', false],
    ['^\\w+$', 'straße', true],
    ['^\\w+$', 'a-b', false],
    ['\\s', '\u00a0', true],
    ['\\bx\\b', 'éx', false], // é is a word character in Rust, so no boundary before x
    ['\\bx\\b', 'é x', true],
    ['\\Bx', 'éx', true],
    ['^.$', '\r', true], // Rust's . excludes only \n
    ['^.$', '\n', false],
    ['(?s)^.$', '\n', true],
    ['^.$', '😀', true],
    ['(?m)^b$', 'a\nb\nc', true],
    ['(?m)^a$', 'a\r\nb', false], // Rust multi-line breaks only at \n
    ['^b', 'a\nb', false],
    ['\\Aa\\z', 'a', true],
    ['(?x) a b # comment', 'ab', true],
    ['(?U)a+', 'aaa', true],
    ['(?i)straße', 'STRAßE', true],
    ['[[:alpha:]]+$', 'abc', true],
    ['^[[:^alpha:]]$', '1', true],
    ['^[[:^alpha:]]$', 'a', false],
    ['^[[:^alpha:]]$', 'é', true], // POSIX classes are ASCII in Rust
    ['\\x{41}\\x42\\u0043', 'ABC', true],
    ['\\p{Greek}', 'Ω', true],
    ['\\p{greek}', 'Ω', true],
    ['\\pL', 'ж', true],
    ['\\p{sc:greek}', 'Ω', true],
    ['^a{2}{2}$', 'aaaa', true],
    ['^(?P<x>a)(?<y>b)$', 'ab', true],
    ['\\b{start}x', ' x', true],
    ['\\<x\\>', 'a x b', true],
    ['\\/', '/', true],
    ['[a-]', '-', true],
    ['[]a]', ']', true],
    ['[[ab]c]', 'b', true],
    ['^$', '😀', false],
  ])('%s on %p → %s', (src, subject, expected) => {
    expect(re(src).test(subject)).toBe(expected);
  });

  it.each<[string, RegExp]>([
    ['(?=x)', /look-around/],
    ['(?<!x)', /look-around/],
    ['(a)\\1', /backreferences are not supported/],
    ['\\0', /backreferences are not supported/],
    ['\\k<n>', /unrecognized escape sequence/],
    ['\\Z', /unrecognized escape sequence/],
    ['\\e', /unrecognized escape sequence/],
    ['[a', /unclosed character class/],
    ['(a', /unclosed group/],
    ['a)', /unopened group/],
    ['a{2,1}', /invalid repetition count range/],
    ['a{,3}', /repetition quantifier expects a valid decimal/],
    ['*a', /repetition operator missing expression/],
    ['(?i)*', /repetition operator missing expression/],
    ['[z-a]', /invalid character class range/],
    ['[\\d-z]', /invalid range boundary/],
    ['\\p{Nope}', /Unicode property not found/],
    ['\\x{110000}', /not a Unicode scalar value/],
    ['(?P<n>a)(?P<n>b)', /duplicate capture group name/],
    // accepted by Rust, deliberately rejected here (no faithful JS equivalent on Node 20)
    ['a(?i)b', /not supported by kong-debugger/],
    ['[a-z&&[^x]]', /not supported by kong-debugger/],
    ['[\\W]', /not supported by kong-debugger/],
  ])('rejects %s', (src, message) => {
    const m = rejects(src);
    expect(m).toMatch(/^regex parse error: /);
    expect(m).toMatch(message);
  });
});

describe('Unicode properties', () => {
  it.each<[string, string, boolean]>([
    ['^\\p{any}$', '😀', true],
    ['^[\\p{any}]$', 'x', true],
    ['^[\\P{any}a]$', 'a', true],
    ['^\\p{ascii}+$', 'abc', true],
    ['^\\p{Script=Greek}$', 'λ', true],
    ['^\\P{Greek}$', 'λ', false],
    ['^\\p{Lu}$', 'Ä', true],
    ['^\\p{letter}$', 'ä', true],
  ])('%s on %p → %s', (src, subject, expected) => {
    expect(re(src).test(subject)).toBe(expected);
  });
});

describe('exponential backtracking guard (JS backtracks, Rust does not)', () => {
  it.each(['(a+)+', '(a*)*b', 'a**', '(x+y*)+$', '((a+))*', '(?:a{1,})+'])('refuses %s', (src) => {
    expect(rejects(src)).toMatch(/nested unbounded repetition .* not supported by kong-debugger/);
  });
  it.each(['(ab)+', '(a+){2}', 'a+b+', '(a|b)+', '(?:\\d+\\.)?\\d+', '^/v1/(orders|users)/\\d+$', '(a+)?'])('accepts %s', (src) => {
    expect(compileRegex(src).ok).toBe(true);
  });
});

describe('alternations under an unbounded repetition', () => {
  it.each(['(a|aa)+', '(a|a)*b', '((a|aa))+', '(?:x|xy){2,}', '(a|A)+'])('refuses %s, which backtracks exponentially in JavaScript', (src) => {
    expect(() => translateRegex(src)).toThrow(/alternation under an unbounded repetition/);
  });
  it.each(['(a|b)+', '(?:x|y|z)*', '^/v1/(orders|users)/\\d+$', '(ab|cd){1,3}'])('accepts %s', (src) => {
    expect(() => translateRegex(src)).not.toThrow();
  });
});
