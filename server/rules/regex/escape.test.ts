import { parseEscape } from './escape';
import { Scanner } from './scanner';

const esc = (src: string, inClass = false) => parseEscape(new Scanner(src), inClass, new Set());

describe('parseEscape', () => {
  it('reads literals, hex forms and escaped punctuation', () => {
    expect(esc('n')).toEqual({ literal: 10 });
    expect(esc('x41')).toEqual({ literal: 0x41 });
    expect(esc('x{1F600}')).toEqual({ literal: 0x1f600 });
    expect(esc('u00e9')).toEqual({ literal: 0xe9 });
    expect(esc('U0001F600')).toEqual({ literal: 0x1f600 });
    expect(esc('#')).toEqual({ literal: 0x23 });
    expect(esc(' ')).toEqual({ literal: 0x20 });
  });
  it('reads classes with their negation and whether folding may change them', () => {
    expect(esc('D')).toMatchObject({ negated: true, foldSafe: true });
    expect(esc('P{Greek}')).toMatchObject({ negated: true, foldSafe: false });
  });
  it('reads assertions outside classes only', () => {
    expect(esc('b{end-half}')).toEqual({ assert: 'wordEndHalf' });
    expect(esc('<')).toEqual({ assert: 'wordStart' });
    expect(esc('A')).toEqual({ assert: 'startText' });
    expect(() => esc('b', true)).toThrow('unrecognized escape sequence');
    expect(() => esc('<', true)).toThrow('unrecognized escape sequence');
  });
  it('rejects with Rust’s wording', () => {
    expect(() => esc('1')).toThrow('backreferences are not supported');
    expect(() => esc('q')).toThrow('unrecognized escape sequence');
    expect(() => esc('x{D800}')).toThrow('hexadecimal literal is not a Unicode scalar value');
    expect(() => esc('xZZ')).toThrow('invalid hexadecimal digit');
    expect(() => esc('')).toThrow('incomplete escape sequence, reached end of pattern prematurely');
  });
});
