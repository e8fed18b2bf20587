import { normaliseLevel } from './levels';

describe('normaliseLevel', () => {
  it.each([
    [5, 'DEBUG', 'debug'],
    [9, 'INFO', 'info'],
    [11, 'NOTICE', 'notice'],
    [13, 'WARN', 'warn'],
    [17, 'ERR', 'error'],
    [19, 'CRIT', 'crit'],
    [21, 'ALERT', 'alert'],
    [23, 'EMERG', 'emerg'],
  ] as const)('Kong severity %i/%s → %s', (n, text, level) => {
    expect(normaliseLevel(n, text)).toBe(level);
    expect(normaliseLevel(n)).toBe(level);
  });

  it('uses the text when the number is missing, and "unknown" with neither', () => {
    expect(normaliseLevel(0, 'warning')).toBe('warn');
    expect(normaliseLevel(0)).toBe('unknown');
    expect(normaliseLevel(0, 'chatty')).toBe('unknown');
  });

  it('maps OTel numbers Kong does not use into their ranges', () => {
    expect(normaliseLevel(1)).toBe('debug');
    expect(normaliseLevel(14)).toBe('warn');
    expect(normaliseLevel(18)).toBe('error');
    expect(normaliseLevel(24)).toBe('emerg');
  });
});
