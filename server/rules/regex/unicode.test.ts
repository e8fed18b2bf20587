import { has } from './charset';
import { caseFold, digit, posixClass, propertyBody, space, v8ClassSet, word } from './unicode';

describe('Unicode classes as explicit ranges', () => {
  it('reads V8 classes exactly, across the surrogate gap and in the astral planes', () => {
    expect(v8ClassSet('a-c\\u{10000}-\\u{10002}')).toEqual([0x61, 0x63, 0x10000, 0x10002]);
    expect(v8ClassSet('\\u{D7FF}\\u{E000}')).toEqual([0xd7ff, 0xd7ff, 0xe000, 0xe000]);
    expect(v8ClassSet('\\u{10FFFF}')).toEqual([0x10ffff, 0x10ffff]);
    expect(v8ClassSet('\\p{Any}')).toEqual([0, 0xd7ff, 0xe000, 0x10ffff]);
    // planes 4-13 are read through representatives: their noncharacters still come out exactly
    const nonchars = v8ClassSet('\\p{Noncharacter_Code_Point}');
    const unassigned = v8ClassSet('\\p{Cn}');
    for (let plane = 4; plane <= 13; plane++) {
      const base = plane * 0x10000;
      expect([base, base + 0x1234, base + 0xfffd].map((cp) => has(nonchars, cp))).toEqual([false, false, false]);
      expect([base + 0xfffe, base + 0xffff].map((cp) => has(nonchars, cp))).toEqual([true, true]);
      expect([base, base + 0xfffd, base + 0xffff].map((cp) => has(unassigned, cp))).toEqual([true, true, true]);
    }
    // every cased letter, astral ones included, compared with V8 code point by code point
    const lu = v8ClassSet('\\p{Lu}');
    for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x20000 ? 1 : 0x101) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (has(lu, cp) !== /\p{Lu}/u.test(String.fromCodePoint(cp))) throw new Error(`U+${cp.toString(16)}`);
    }
  });
  it('\\d, \\s and \\w are Unicode-aware as in Rust', () => {
    expect(has(digit(), '٣'.codePointAt(0)!)).toBe(true);
    expect(has(space(), 0xa0)).toBe(true);
    for (const ch of ['ß', 'é', '_', '\u200d', '5', 'ж']) expect(has(word(), ch.codePointAt(0)!)).toBe(true);
    for (const ch of ['-', ' ', '!']) expect(has(word(), ch.codePointAt(0)!)).toBe(false);
  });
  it('POSIX classes are ASCII', () => {
    expect(posixClass('alpha')).toEqual([0x41, 0x5a, 0x61, 0x7a]);
    expect(posixClass('apha')).toBeUndefined();
  });
  it('resolves \\p names loosely, as Rust does', () => {
    expect(propertyBody('greek')).toBe('\\p{Script=Greek}');
    expect(propertyBody('sc:greek')).toBe('\\p{Script=Greek}');
    expect(propertyBody('Uppercase Letter')).toBe('\\p{Lu}');
    expect(propertyBody('isGreek')).toBe('\\p{Script=Greek}');
    expect(() => propertyBody('Nope')).toThrow('Unicode property not found');
    expect(() => propertyBody('Age=6.0')).toThrow(/not supported by kong-debugger/);
    expect(has(v8ClassSet(propertyBody('Greek')), 'Ω'.codePointAt(0)!)).toBe(true);
  });
  it('closes a set under simple case folding, astral and special orbits included', () => {
    const cp = (c: string) => c.codePointAt(0)!;
    expect(caseFold([cp('k'), cp('k')])).toEqual([cp('K'), cp('K'), cp('k'), cp('k'), 0x212a, 0x212a]);
    expect(caseFold([cp('s'), cp('s')])).toEqual([cp('S'), cp('S'), cp('s'), cp('s'), 0x17f, 0x17f]);
    expect(caseFold([cp('ß'), cp('ß')])).toEqual([cp('ß'), cp('ß'), 0x1e9e, 0x1e9e]);
    expect(caseFold([0x10428, 0x10428])).toEqual([0x10400, 0x10400, 0x10428, 0x10428]); // Deseret
    expect(caseFold([cp('1'), cp('1')])).toEqual([cp('1'), cp('1')]);
    expect(caseFold([])).toEqual([]);
  });
});

