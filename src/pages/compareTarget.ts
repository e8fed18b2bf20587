/**
 * What the user types into "Compare with…" on a trace's Summary: another trace's id, checked before it is asked
 * for. The API takes 32 hex characters or the base64 of 16 bytes (how Kong Enterprise writes ids in OTLP/JSON, so
 * a pasted payload id works); both become lowercase hex here, so the URL and the query carry the API's form.
 */
export type CompareTarget = { traceId: string } | { error: string };

const HEX_32 = /^[0-9a-fA-F]{32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** the 16 bytes a base64 (or base64url) text holds, as hex; undefined when it does not hold exactly 16 */
function base64Hex(raw: string): string | undefined {
  const std = raw.replace(/-/g, '+').replace(/_/g, '/');
  const padded = std + '='.repeat((4 - (std.length % 4)) % 4);
  let bin: string;
  try {
    bin = atob(padded);
  } catch {
    return undefined;
  }
  if (bin.length !== 16) {
    return undefined;
  }
  return Array.from(bin, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}

export function readCompareTarget(input: string, thisTraceId: string): CompareTarget {
  const raw = input.trim();
  if (!raw) {
    return { error: 'Enter the id of the trace to compare with.' };
  }
  const traceId = HEX_32.test(raw) ? raw.toLowerCase() : BASE64.test(raw) ? base64Hex(raw) : undefined;
  if (!traceId) {
    return { error: `"${raw}" is not a trace id: expected 32 hex characters (or the base64 of 16 bytes).` };
  }
  if (traceId === thisTraceId.toLowerCase()) {
    return { error: 'That is this trace: pick another one to compare with.' };
  }
  return { traceId };
}
