import { complement, has, intersect, normalize, subtract, symmetricDifference, union } from './charset';

describe('CharSet algebra', () => {
  it('normalizes: sorts, merges overlapping and adjacent ranges', () => {
    expect(normalize([10, 20, 0, 5, 6, 8, 15, 30])).toEqual([0, 8, 10, 30]);
  });
  it('union, intersection, difference, symmetric difference', () => {
    const az = [0x61, 0x7a];
    const vowels = normalize([0x61, 0x61, 0x65, 0x65, 0x69, 0x69, 0x6f, 0x6f, 0x75, 0x75]);
    expect(union(az, [0x41, 0x5a])).toEqual([0x41, 0x5a, 0x61, 0x7a]);
    expect(intersect(az, [0x70, 0x100])).toEqual([0x70, 0x7a]);
    expect(subtract(az, vowels)).toEqual([0x62, 0x64, 0x66, 0x68, 0x6a, 0x6e, 0x70, 0x74, 0x76, 0x7a]);
    expect(symmetricDifference([0, 10], [5, 15])).toEqual([0, 4, 11, 15]);
  });
  it('complement covers scalar values only (no surrogates) and is an involution on them', () => {
    const c = complement([0x61, 0x61]);
    expect(c).toEqual([0, 0x60, 0x62, 0xd7ff, 0xe000, 0x10ffff]);
    expect(complement(c)).toEqual([0x61, 0x61]);
    expect(complement([])).toEqual([0, 0xd7ff, 0xe000, 0x10ffff]);
  });
  it('has() finds members by binary search', () => {
    const s = normalize([1, 3, 10, 10, 100, 200]);
    expect([0, 1, 3, 4, 10, 11, 150, 201].map((cp) => has(s, cp))).toEqual([false, true, true, false, true, false, true, false]);
  });
});
