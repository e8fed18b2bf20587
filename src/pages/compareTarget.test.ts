import { readCompareTarget } from './compareTarget';

const A = '0123456789abcdef0123456789abcdef';
const B = 'fedcba9876543210fedcba9876543210';

describe('readCompareTarget', () => {
  it('takes 32 hex characters, trimmed and lowercased', () => {
    expect(readCompareTarget(`  ${B.toUpperCase()} `, A)).toEqual({ traceId: B });
  });

  it('takes the base64 (or base64url) of 16 bytes, as Kong Enterprise writes ids, and returns hex', () => {
    const b64 = Buffer.from(B, 'hex').toString('base64');
    expect(readCompareTarget(b64, A)).toEqual({ traceId: B });
    expect(readCompareTarget(Buffer.from(B, 'hex').toString('base64url'), A)).toEqual({ traceId: B });
  });

  it('refuses what is not a trace id, saying what is expected', () => {
    expect(readCompareTarget('', A)).toEqual({ error: 'Enter the id of the trace to compare with.' });
    expect(readCompareTarget('abc', A)).toEqual({ error: '"abc" is not a trace id: expected 32 hex characters (or the base64 of 16 bytes).' });
    // 31 hex characters, and the base64 of 8 bytes (a span id)
    expect(readCompareTarget(B.slice(1), A)).toHaveProperty('error');
    expect(readCompareTarget(Buffer.from('0123456789abcdef', 'hex').toString('base64'), A)).toHaveProperty('error');
    expect(readCompareTarget(`${B} x`, A)).toHaveProperty('error');
  });

  it('refuses the trace itself, in any form', () => {
    expect(readCompareTarget(A.toUpperCase(), A)).toEqual({ error: 'That is this trace: pick another one to compare with.' });
    expect(readCompareTarget(Buffer.from(A, 'hex').toString('base64'), A)).toHaveProperty('error');
  });
});
