import { programSize, usesWordBoundary } from './ast';
import { parseRegex } from './parse';

const lit = (ch: string, fold = false) => ({ kind: 'literal', cp: ch.codePointAt(0), fold });

describe('parseRegex: Rust syntax → AST', () => {
  it('resolves inline flags onto the nodes they govern, to the end of their group', () => {
    expect(parseRegex('a(?i)b(?-i:c)d')).toEqual({ kind: 'concat', items: [lit('a'), lit('b', true), lit('c'), lit('d', true)] });
    expect(parseRegex('(?i:a)b')).toEqual({ kind: 'concat', items: [lit('a', true), lit('b')] });
    expect(parseRegex('(?s).(?-s).')).toEqual({ kind: 'concat', items: [{ kind: 'dot', dotAll: true }, { kind: 'dot', dotAll: false }] });
    expect(parseRegex('^(?m)^$')).toEqual({
      kind: 'concat',
      items: [{ kind: 'assert', what: 'startText' }, { kind: 'assert', what: 'startLine' }, { kind: 'assert', what: 'endLine' }],
    });
  });
  it('drops what cannot change whether a match exists: groups, names, laziness', () => {
    expect(parseRegex('(?P<n>a)+?')).toEqual(parseRegex('a+'));
    expect(parseRegex('(?:a|b)')).toEqual({ kind: 'alt', items: [lit('a'), lit('b')] });
    expect(parseRegex('(?U)a*')).toEqual({ kind: 'repeat', item: lit('a'), min: 0, max: Infinity });
    expect(parseRegex('a{2,}')).toEqual({ kind: 'repeat', item: lit('a'), min: 2, max: Infinity });
    expect(parseRegex('a{ 2 , 3 }')).toEqual({ kind: 'repeat', item: lit('a'), min: 2, max: 3 });
    expect(parseRegex('()')).toEqual({ kind: 'empty' });
  });
  it('builds classes as explicit sets: unions, set operations, negated parts', () => {
    expect(parseRegex('[a-c&&b-d]')).toEqual({ kind: 'class', set: [0x62, 0x63], negated: false, fold: false });
    expect(parseRegex('[a-d--b]')).toEqual({ kind: 'class', set: [0x61, 0x61, 0x63, 0x64], negated: false, fold: false });
    expect(parseRegex('[^[ab]c]')).toEqual({ kind: 'class', set: [0x61, 0x63], negated: true, fold: false });
    expect(parseRegex('[[:digit:]x]')).toEqual({ kind: 'class', set: [0x30, 0x39, 0x78, 0x78], negated: false, fold: false });
    expect(parseRegex('\\D')).toMatchObject({ kind: 'class', negated: true });
  });
  it('(?x) skips whitespace and comments, also between an atom and its quantifier', () => {
    expect(parseRegex('(?x) a # c\n *')).toEqual({ kind: 'repeat', item: lit('a'), min: 0, max: Infinity });
  });
  it('knows which regexes use word boundaries and how large they grow unrolled', () => {
    expect(usesWordBoundary(parseRegex('a(\\b)*'))).toBe(true);
    expect(usesWordBoundary(parseRegex('\\<a|b'))).toBe(true);
    expect(usesWordBoundary(parseRegex('^a$'))).toBe(false);
    expect(programSize(parseRegex('a{10}'))).toEqual({ positions: 11, ranges: 0 });
    expect(programSize(parseRegex('(?:[a-c][x-z]){2,}'))).toEqual({ positions: 1 + 3 * 3, ranges: 6 });
  });
});

describe('\\b followed by braces', () => {
  it('is a named boundary when a letter follows the brace, else \\b repeated (as regex-syntax decides)', () => {
    expect(parseRegex('\\b{start}')).toEqual({ kind: 'assert', what: 'wordStart' });
    expect(parseRegex('\\b{2}')).toEqual({ kind: 'repeat', item: { kind: 'assert', what: 'word' }, min: 2, max: 2 });
    expect(parseRegex('\\b{0,3}')).toEqual({ kind: 'repeat', item: { kind: 'assert', what: 'word' }, min: 0, max: 3 });
    expect(() => parseRegex('\\b{nope}')).toThrow('unrecognized word boundary assertion');
  });
});
