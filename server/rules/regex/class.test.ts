import { parseBracketClass } from './class';
import { Scanner } from './scanner';

/** `src` starts after the class's `[`; `x` turns (?x) on, `i` (?i) */
function cls(src: string, x = false, i = false) {
  const sc = new Scanner(src);
  sc.extended = x;
  const c = parseBracketClass(sc, new Set(), { caseInsensitive: i });
  return { ...c, rest: sc.rest() };
}

describe('bracketed classes as regex-syntax reads them', () => {
  it('(?x) skips spaces and comments inside a class too, even before ^', () => {
    expect(cls('a b]', true).set).toEqual([0x61, 0x62]);
    expect(cls(' ^a]', true)).toMatchObject({ set: [0x61, 0x61], negated: true });
    expect(cls('a - c]', true).set).toEqual([0x61, 0x63]);
    expect(cls(' # c\na]', true).set).toEqual([0x61, 0x61]);
    expect(cls('a b]').set).toEqual([0x20, 0x20, 0x61, 0x62]);
  });
  it('leading - and a first ] are literals; -- after them is a difference', () => {
    expect(cls('--a]').set).toEqual([0x2d, 0x2d, 0x61, 0x61]);
    expect(cls(']-a]').set).toEqual([0x2d, 0x2d, 0x5d, 0x5d, 0x61, 0x61]); // the first ] is taken alone, no range ]-a
    expect(cls('a--b--c]').set).toEqual([0x61, 0x61]);
    expect(cls('a-b-c]').set).toEqual([0x2d, 0x2d, 0x61, 0x63]);
    expect(() => cls('a-')).toThrow('unclosed character class');
  });
  it('set operations are left-associative below union; nested and POSIX classes are union members', () => {
    expect(cls('a-c&&b-d]').set).toEqual([0x62, 0x63]);
    expect(cls('a-z&&[^x]--[y]]').set).toEqual([0x61, 0x77, 0x7a, 0x7a]);
    expect(cls('a~~ab]').set).toEqual([0x62, 0x62]);
    expect(cls('[:digit:]x]').set).toEqual([0x30, 0x39, 0x78, 0x78]);
    expect(cls('a]b').rest).toBe('b');
  });
  it('under (?i), folds negated parts before negating and both sides of && -- ~~ before combining (as Rust)', () => {
    const K = 0x212a; // KELVIN SIGN folds with k and K
    expect(cls('a-z&&k]', false, true).set).toEqual([0x4b, 0x4b, 0x6b, 0x6b, K, K]);
    expect(cls('a-z&&k]').set).toEqual([0x6b, 0x6b]);
    // [^k] folded first excludes K and the Kelvin sign too
    const notK = cls('[^k]]', false, true).set;
    expect([0x4b, 0x6b, K, 0x61].map((cp) => notK.some((_, j) => j % 2 === 0 && cp >= notK[j] && cp <= notK[j + 1]))).toEqual([false, false, false, true]);
  });
  it('rejects bad ranges with Rust’s wording', () => {
    expect(() => cls('z-a]')).toThrow('invalid character class range, the start must be <= the end');
    expect(() => cls('\\d-z]')).toThrow('invalid range boundary, must be a literal');
  });
});
