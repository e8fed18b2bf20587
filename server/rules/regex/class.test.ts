import { parseBracketClass } from './class';
import { Scanner } from './scanner';

/** `src` starts after the class's `[`; `x` turns (?x) on */
function cls(src: string, x = false) {
  const sc = new Scanner(src);
  sc.extended = x;
  const c = parseBracketClass(sc, new Set());
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
    expect(cls('a-c&&b-d]')).toMatchObject({ set: [0x62, 0x63], foldSensitive: true });
    expect(cls('a-z&&[^x]--[y]]').set).toEqual([0x61, 0x77, 0x7a, 0x7a]);
    expect(cls('a~~ab]').set).toEqual([0x62, 0x62]);
    expect(cls('[:digit:]x]').set).toEqual([0x30, 0x39, 0x78, 0x78]);
    expect(cls('[^b]a]')).toMatchObject({ foldSensitive: true });
    expect(cls('\\Wa]')).toMatchObject({ foldSensitive: false }); // \W is closed under folding
    expect(cls('a]b').rest).toBe('b');
  });
  it('rejects bad ranges with Rust’s wording', () => {
    expect(() => cls('z-a]')).toThrow('invalid character class range, the start must be <= the end');
    expect(() => cls('\\d-z]')).toThrow('invalid range boundary, must be a literal');
  });
});
