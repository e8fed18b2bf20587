import { getAttr, numberAttr, stringAttr } from './attributes';

describe('getAttr', () => {
  it('returns the first present of several names, skipping null', () => {
    const a = { 'http.status_code': 200, 'http.response.status_code': null, empty: '' };
    expect(getAttr(a, 'http.response.status_code', 'http.status_code')).toBe(200);
    expect(getAttr(a, 'empty', 'http.status_code')).toBe(''); // '' is a present value
    expect(getAttr(a, 'nope')).toBeUndefined();
    expect(getAttr(undefined, 'x')).toBeUndefined();
  });
});

describe('numberAttr', () => {
  it('reads int, double and numeric strings', () => {
    expect(numberAttr({ a: 200 }, 'a')).toBe(200);
    expect(numberAttr({ a: 6.5 }, 'a')).toBe(6.5);
    expect(numberAttr({ a: ' 8000 ' }, 'a')).toBe(8000);
    expect(numberAttr({ a: '-1.5e3' }, 'a')).toBe(-1500);
  });
  it('skips non-numeric values and falls through to the next name', () => {
    expect(numberAttr({ a: 'abc', b: '12' }, 'a', 'b')).toBe(12);
    for (const v of ['', '0x10', 'Infinity', true, [1], { n: 1 }, null]) expect(numberAttr({ a: v }, 'a')).toBeUndefined();
    expect(numberAttr({ a: NaN }, 'a')).toBeUndefined();
  });
});

describe('stringAttr', () => {
  it('returns non-empty strings and stringified numbers', () => {
    expect(stringAttr({ a: '', b: 'x' }, 'a', 'b')).toBe('x');
    expect(stringAttr({ a: 42 }, 'a')).toBe('42');
    expect(stringAttr({ a: true }, 'a')).toBeUndefined();
  });
});
