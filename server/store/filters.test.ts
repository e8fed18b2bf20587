import { parseStatusFilter } from './filters';

describe('parseStatusFilter', () => {
  it.each([
    ['503', [503, 503]],
    ['5xx', [500, 599]],
    ['4XX', [400, 499]],
    ['500-504', [500, 504]],
    [' 200 - 299 ', [200, 299]],
  ])('%s', (input, expected) => {
    expect(parseStatusFilter(input)).toEqual(expected);
  });

  it.each(['', '50', '6xx', '504-500', 'abc', '5000'])('rejects %p', (input) => {
    expect(() => parseStatusFilter(input)).toThrow(/invalid status filter/);
  });
});
