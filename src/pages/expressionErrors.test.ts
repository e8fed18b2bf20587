import { errorSegments, lineColumn } from './expressionErrors';

describe('errorSegments', () => {
  it('marks the error ranges', () => {
    expect(errorSegments('a == b', [{ message: 'x', start: 5, end: 6 }])).toEqual([
      { text: 'a == ', error: false },
      { text: 'b', error: true },
    ]);
  });

  it('merges overlapping ranges and clamps', () => {
    expect(
      errorSegments('abcdef', [
        { message: 'x', start: 1, end: 3 },
        { message: 'y', start: 2, end: 99 },
      ])
    ).toEqual([
      { text: 'a', error: false },
      { text: 'bcdef ', error: true },
    ]);
  });

  it('shows an error at the end of input as a marked space', () => {
    expect(errorSegments('a ==', [{ message: 'unexpected end', start: 4, end: 4 }])).toEqual([
      { text: 'a ==', error: false },
      { text: ' ', error: true },
    ]);
  });

  it('gives line and column', () => {
    expect(lineColumn('a\nbc', 3)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('abc', 0)).toEqual({ line: 1, column: 1 });
  });
});
