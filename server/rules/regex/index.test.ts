import vm from 'node:vm';
import { compileRegex, MAX_POSITIONS, type LinearRegex } from './index';
import { MAX_PROPERTIES_PER_RULE } from './escape';

const re = (src: string): LinearRegex => {
  const r = compileRegex(src);
  if (!r.ok) throw new Error(`${src}: ${r.message}`);
  return r.regex;
};
const rejects = (src: string) => {
  const r = compileRegex(src);
  if (r.ok) throw new Error(`${src} compiled to ${r.regex.re2Source}`);
  return r.message;
};

describe('Rust regex semantics on a linear engine', () => {
  it.each<[string, string, boolean]>([
    ['\\d', '٣', true], // Unicode digits, unlike RE2's and JS's \d
    ['\\d', 'a', false],
    ['^\\w+$', 'straße', true],
    ['^\\w+$', 'a-b', false],
    ['\\s', '\u00a0', true],
    ['\\bx\\b', 'éx', false], // é is a word character in Rust, so no boundary before x
    ['\\bx\\b', 'é x', true],
    ['\\Bx', 'éx', true],
    ['\\bé', 'xé', false],
    ['\\bé\\b', 'é!', true],
    ['x\\b{end-half}', 'xé', false],
    ['x\\b{end-half}', 'x!', true],
    ['\\b{start-half}é', 'aé', false],
    ['\\b{end}', 'é', true],
    ['^.$', '\r', true], // Rust's . excludes only \n
    ['^.$', '\n', false],
    ['(?s)^.$', '\n', true],
    ['^.$', '😀', true],
    ['(?m)^b$', 'a\nb\nc', true],
    ['(?m)^a$', 'a\r\nb', false], // Rust multi-line breaks only at \n
    ['^b', 'a\nb', false],
    ['a$', 'a\n', false], // $ is \z without (?m)
    ['\\Aa\\z', 'a', true],
    ['(?x) a b # comment', 'ab', true],
    ['(?U)a+', 'aaa', true],
    ['(?i)straße', 'STRAßE', true],
    ['(?i)k', '\u212a', true], // Kelvin sign folds to k, as in Rust's simple case folding
    ['(?i)ſ', 'S', true],
    ['a(?i)b', 'aB', true], // a flag applies from where it appears
    ['a(?i)b', 'AB', false],
    ['(?i)a(?-i:b)c', 'AbC', true],
    ['(?i)a(?-i:b)c', 'ABC', false],
    ['(?i)[^a]', 'A', false], // folded, then negated
    ['(?i)\\P{Lu}', 'a', false],
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
    ['^[a-z&&[^x]]$', 'x', false], // class set operations
    ['^[a-z&&[^x]]$', 'y', true],
    ['^[a-z--[aeiou]]+$', 'xyz', true],
    ['^[a-z--[aeiou]]+$', 'xaz', false],
    ['^[a-c~~b-d]+$', 'ad', true],
    ['^[a-c~~b-d]+$', 'b', false],
    ['^[\\W]$', 'é', false],
    ['^[\\W]$', '-', true],
    ['^[[^a]]$', 'b', true],
    ['^[[^a]]$', 'a', false],
    // under (?i) Rust folds negated parts and both sides of && -- ~~ before combining them
    ['^(?i)[a-z&&[^x]]$', 'X', false],
    ['^(?i)[a-z&&[^x]]$', 'Y', true],
    ['^(?i)[a-z&&k]$', '\u212a', true],
    ['^(?i)[\\P{Lu}]$', 'a', false],
    ['^(?i)[\\P{Lu}]$', '1', true],
    ['^$', '😀', false],
    ['a**', 'a', true], // nested repetitions Rust accepts
    ['a+?+', 'aa', true],
    ['^(?:a{10}){12}$', 'a'.repeat(120), true],
    ['^(?:a{10}){12}$', 'a'.repeat(119), false],
    ['^(?:a{1,10}){12}b', `${'a'.repeat(119)}b`, true],
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
    // accepted by Rust, deliberately rejected here
    ['(?-u)a', /not supported by kong-debugger/],
    ['(?R)a', /not supported by kong-debugger/],
    [`a{${MAX_POSITIONS}}`, /too large: \d+ positions .* not supported by kong-debugger/],
    ['\\w{100}', /too large: \d+ character class ranges .* not supported by kong-debugger/],
    ['a{1001}', /too large: \d+ positions .* not supported by kong-debugger/],
  ])('rejects %s', (src, message) => {
    const m = rejects(src);
    expect(m).toMatch(/^regex parse error: /);
    expect(m).toMatch(message);
  });
});

describe('whole-string regexes (^…$) run as anchored matches', () => {
  it.each<[string, string, boolean]>([
    ['^a+$', 'aaa', true],
    ['^a+$', 'aab', false],
    ['^a+$', 'baa', false],
    ['^a|b$', 'xb', true], // an alternation is not anchored as a whole
    ['^(?:a|b)$', 'ab', false],
    ['^\\bx\\b$', 'x', true],
    ['^$', '', true],
    ['^(?m)$', '\n', true], // under (?m) the $ is a line end, before the \n: not a whole-string match
  ])('%s on %p → %s', (src, subject, expected) => {
    expect(re(src).test(subject)).toBe(expected);
  });
  it('hands re2js the pattern without its anchors', () => {
    expect(re('^a+$').re2Source).toBe('(?:\\x{61})+');
    expect(re('^a|b$').re2Source).toBe('(?:\\A\\x{61}|\\x{62}\\z)');
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

/*
 * Issue 16: shapes that backtrack exponentially in a JavaScript RegExp. Each must run on a linear
 * engine (asserted by name, so a fallback to RegExp fails here) and finish on a 10,000-character
 * hostile input far inside a bound a backtracking engine cannot meet (2^30 steps and more): the match
 * runs under a vm timeout, which interrupts even a RegExp, so a regression fails instead of hanging.
 */
describe('hostile regexes run in linear time', () => {
  const sandbox = vm.createContext({ fn: undefined as unknown });
  const call = new vm.Script('fn()');
  const bounded = <T>(fn: () => T, ms: number): T => {
    sandbox.fn = fn;
    return call.runInContext(sandbox, { timeout: ms }) as T;
  };
  const N = 10_000;
  it.each<[string, string, boolean]>([
    ['(a+){20}b', 'a'.repeat(N), false],
    ['(a|a){30}b', 'a'.repeat(N), false],
    ['^/api/(\\w+/?){1,12}$', `/api/${'a'.repeat(N)}!`, false],
    ['^/api/(\\w+/?){1,12}$', `/api/${'é'.repeat(N)}!`, false],
    [`${'a*'.repeat(32)}b`, 'a'.repeat(N), false],
    ['(a|aa)+$', `${'a'.repeat(N)}!`, false],
    ['(x+x+)+y', 'x'.repeat(N), false],
    ['\\b(\\w+\\s?)+$', `${'ab '.repeat(N / 3)}!`, false], // word boundary: re2js on ASCII input
    ['\\b(\\w+\\s?)+$', `${'éb '.repeat(N / 3)}!`, false], // ... and the Pike VM on the rest
    ['(a+){20}b', `${'a'.repeat(N)}b`, true],
  ])('%s on hostile input %#', (src, input, expected) => {
    const r = re(src);
    expect(['literal', 're2', 're2+pike']).toContain(r.engine);
    expect(bounded(() => r.test(input), 5000)).toBe(expected);
  });

  it('the worst the size bound admits (every thread alive at every step) still finishes on 10,000 characters', () => {
    const ab = Array.from({ length: N }, (_, k) => ((k * 7919) % 13 < 6 ? 'a' : 'b')).join('') + 'c';
    for (const [src, input] of [
      [`[ab]*a[ab]{${MAX_POSITIONS - 10}}d`, ab.replace(/c$/, 'd')], // re2js, its DFA gives up
      [`\\b[aé]*a[aé]{${MAX_POSITIONS - 12}}d`, ab.replace(/b/g, 'é').replace(/c$/, 'd')], // the Pike VM
    ]) {
      const r = re(src);
      expect(typeof bounded(() => r.test(input), 15_000)).toBe('boolean');
    }
  }, 60_000);

  it('the vm bound would catch a backtracking engine (the guard itself can fail)', () => {
    const v8 = /^(a|a)*b$/;
    expect(() => bounded(() => v8.test('a'.repeat(40)), 200)).toThrow(/timed out/);
  });
});

describe('distinct Unicode properties per rule', () => {
  it(`one rule may name at most ${MAX_PROPERTIES_PER_RULE}, counted across its regexes, aliases once`, () => {
    const names = ['Greek', 'Latin', 'Cyrillic', 'Han', 'Arabic', 'Hebrew', 'Thai', 'Lu', 'Ll'];
    const shared = new Set<string>();
    for (const n of names.slice(0, MAX_PROPERTIES_PER_RULE)) expect(compileRegex(`\\p{${n}}\\P{${n}}`, shared).ok).toBe(true);
    expect(compileRegex('\\p{greek}\\p{sc=Greek}\\p{isGreek}', shared).ok).toBe(true); // the same property
    expect(rejectsWith(compileRegex(`\\p{${names[MAX_PROPERTIES_PER_RULE]}}`, shared))).toMatch(
      /more than \d+ distinct Unicode properties in one rule are not supported by kong-debugger/,
    );
    expect(compileRegex(`\\p{${names[MAX_PROPERTIES_PER_RULE]}}`).ok).toBe(true); // a rule of its own
  });
});

function rejectsWith(r: ReturnType<typeof compileRegex>): string {
  if (r.ok) throw new Error('compiled');
  return r.message;
}
