import { bytesToHex, isAllZero, jsonIdToHex } from './ids';

describe('ids', () => {
  test('bytesToHex matches Buffer hex for every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(bytesToHex(all, 0, 256)).toBe(all.toString('hex'));
    expect(bytesToHex(all, 250, 256)).toBe('fafbfcfdfeff');
  });

  test('isAllZero', () => {
    expect(isAllZero(Buffer.alloc(8), 0, 8)).toBe(true);
    expect(isAllZero(Buffer.from([0, 0, 1]), 0, 3)).toBe(false);
    expect(isAllZero(Buffer.from([0, 0, 1]), 0, 2)).toBe(true);
  });

  test('jsonIdToHex: hex, base64, base64url, empty', () => {
    const hex = '0123456789abcdeffedcba9876543210';
    const bytes = Buffer.from(hex, 'hex');
    expect(jsonIdToHex(hex.toUpperCase(), 16, 'traceId')).toBe(hex);
    expect(jsonIdToHex(bytes.toString('base64'), 16, 'traceId')).toBe(hex);
    expect(jsonIdToHex(bytes.toString('base64url'), 16, 'traceId')).toBe(hex);
    expect(jsonIdToHex(Buffer.from(hex.slice(0, 16), 'hex').toString('base64'), 8, 'spanId')).toBe(hex.slice(0, 16));
    expect(jsonIdToHex('', 8, 'spanId')).toBe('');
    expect(jsonIdToHex(undefined, 8, 'spanId')).toBe('');
  });

  test('jsonIdToHex: wrong lengths and types are precise errors', () => {
    expect(() => jsonIdToHex('abc', 8, 'spanId')).toThrow('spanId must be 8 bytes as 16 hex or 12 base64 chars, got "abc"');
    expect(() => jsonIdToHex(12, 8, 'spanId')).toThrow('spanId must be a string, got number');
    // 24 chars that are valid base64 of 18 bytes (not 16): rejected
    expect(() => jsonIdToHex('A'.repeat(24), 16, 'traceId')).toThrow(/traceId must be 16 bytes/);
  });
});
