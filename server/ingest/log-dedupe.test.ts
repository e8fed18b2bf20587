import type { DecodedLogRecord } from '../otlp/types';
import { logDedupeKey } from './log-dedupe';

const rec = (over: Partial<DecodedLogRecord> = {}): DecodedLogRecord => ({
  timeNs: 1751364930123000000n,
  severityNumber: 17,
  severityText: 'ERR',
  body: 'upstream timed out',
  attributes: { 'kong.plugin': 'rate-limiting' },
  traceId: '0123456789abcdef0123456789abcdef',
  spanId: '0123456789abcdef',
  resource: 0,
  ...over,
});

describe('logDedupeKey', () => {
  it('is the same for a re-sent copy of a record, whichever resource index it arrives under', () => {
    expect(logDedupeKey(rec())).toBe(logDedupeKey({ ...rec(), attributes: { ...rec().attributes }, resource: 3 }));
  });

  it('differs as soon as anything the record says differs', () => {
    const base = logDedupeKey(rec());
    const variants: Array<Partial<DecodedLogRecord>> = [
      { timeNs: 1751364930123000001n },
      { severityNumber: 13 },
      { severityText: 'WARN' },
      { body: 'upstream timed out!' },
      { body: { msg: 'upstream timed out' } },
      { attributes: {} },
      { traceId: undefined },
      { spanId: 'fedcba9876543210' },
    ];
    const keys = variants.map((v) => logDedupeKey(rec(v)));
    for (const k of keys) expect(k).not.toBe(base);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
