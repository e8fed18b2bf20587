import { formatDuration } from './format';

describe('formatDuration', () => {
  it.each([
    [0, '0ns'],
    [850, '850ns'],
    [999.996, '1µs'],
    [1_000, '1µs'],
    [29_546, '29.55µs'],
    [999_999, '1ms'],
    [35_115_288, '35.12ms'],
    [1_500_000_000, '1.5s'],
    [59_999_000_000, '1m'],
    [90e9, '1.5m'],
    [5400e9, '1.5h'],
    [-2_000, '-2µs'],
    [NaN, 'n/a'],
  ])('%d → %s', (ns, text) => expect(formatDuration(ns)).toBe(text));
});
