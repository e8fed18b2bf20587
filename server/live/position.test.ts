import { decodePosition, encodePosition, isAfter, PositionError, START } from './position';

describe('stream position', () => {
  it('round-trips through the event id', () => {
    const p = {
      traceMs: 1765000000123,
      traceId: 'a'.repeat(32),
      logMs: 1765000000100,
      logId: 42,
      safeMs: 1765000000050,
    };
    expect(encodePosition(p)).toBe(`1765000000123.${'a'.repeat(32)}.1765000000100.42.1765000000050`);
    expect(decodePosition(encodePosition(p))).toEqual(p);
    expect(decodePosition(encodePosition(START))).toEqual(START);
  });

  it('takes Unix milliseconds as "written from then on"', () => {
    const p = decodePosition('1765000000000');
    expect(p).toEqual({ traceMs: 1765000000000, traceId: '', logMs: 1765000000000, logId: 0, safeMs: 1765000000000 });
    expect(decodePosition('now', () => 1765000000999)).toEqual({
      traceMs: 1765000000999,
      traceId: '',
      logMs: 1765000000999,
      logId: 0,
      safeMs: 1765000000999,
    });
    // a row written in that very millisecond is after the position
    expect(isAfter(1765000000000, 'b'.repeat(32), p.traceMs, p.traceId)).toBe(true);
    expect(isAfter(1764999999999, 'f'.repeat(32), p.traceMs, p.traceId)).toBe(false);
  });

  it.each([
    '',
    'abc',
    '1.2.3',
    `1.${'A'.repeat(32)}.2.3`,
    '1.abc.2.3',
    `-1.${'a'.repeat(32)}.2.3`,
    '1..2.3',
    '9'.repeat(16),
  ])('refuses %j with a message', (raw) => {
    expect(() => decodePosition(raw)).toThrow(PositionError);
    expect(() => decodePosition(raw)).toThrow(/Last-Event-ID|Unix milliseconds/);
  });

  it('orders by time, then id', () => {
    expect(isAfter(2, 'a', 1, 'z')).toBe(true);
    expect(isAfter(1, 'b', 1, 'a')).toBe(true);
    expect(isAfter(1, 'a', 1, 'a')).toBe(false);
    expect(isAfter(1, 10, 1, 9)).toBe(true);
  });
});
