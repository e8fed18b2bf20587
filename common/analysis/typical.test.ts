import { typicalTrace } from './typical';

describe('typicalTrace', () => {
  const c = (traceId: string, totalMs: number | undefined, startTimeMs = 0) => ({ traceId, totalMs, startTimeMs });
  it('is the lower median by total latency, the trace itself excluded', () => {
    expect(typicalTrace([c('a', 50), c('b', 10), c('c', 30), c('d', 20), c('slow', 900)], 'slow')).toBe('d'); // 10 20 30 50 → #2
    expect(typicalTrace([c('a', 50), c('b', 10), c('c', 30), c('slow', 900)], 'slow')).toBe('c'); // 10 30 50 → #2
  });
  it('breaks ties by start time, skips traces without a total, and has no answer for nothing', () => {
    expect(typicalTrace([c('x', 5, 2), c('y', 5, 1), c('z', undefined)], 'q')).toBe('y');
    expect(typicalTrace([c('only', 5)], 'only')).toBeUndefined();
  });
});
