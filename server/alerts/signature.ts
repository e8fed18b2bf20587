import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Grafana's webhook HMAC (grafana/alerting http/hmac.go): hex HMAC-SHA256, keyed with the secret's bytes, of the
 * raw body, or of `timestamp + ":" + body` when the contact point names a timestamp header (Unix seconds). The
 * header Grafana signs into is the one set in the contact point; when left empty the code's default is
 * `X-Grafana-Alert-Signature`, while the form's placeholder shows `X-Grafana-Alerting-Signature`, so both are
 * accepted unless a header name is configured.
 */
export interface SignatureConfig {
  secret: string;
  /** the signature header; default: X-Grafana-Alerting-Signature or X-Grafana-Alert-Signature */
  header?: string;
  /** the timestamp header set in the contact point (`hmacConfig.timestampHeader`); none: the body alone is signed */
  timestampHeader?: string;
  /** how far a signed timestamp may be from now, seconds (default 300): older requests are replays */
  replayWindowSeconds?: number;
}

export const DEFAULT_SIGNATURE_HEADERS = ['x-grafana-alerting-signature', 'x-grafana-alert-signature'] as const;
export const DEFAULT_REPLAY_WINDOW_S = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function sign(secret: string, body: Buffer | string, timestamp?: string): string {
  const mac = createHmac('sha256', secret);
  if (timestamp !== undefined) mac.update(`${timestamp}:`);
  return mac.update(body).digest('hex');
}

/** Checks the request's signature over its raw body; the comparison takes the same time wherever the digests differ. */
export function verifySignature(
  cfg: SignatureConfig,
  headers: Headers,
  rawBody: Buffer,
  nowMs: number
): SignatureCheck {
  const names = cfg.header ? [cfg.header.toLowerCase()] : [...DEFAULT_SIGNATURE_HEADERS];
  const name = names.find((n) => header(headers, n) !== undefined);
  if (!name)
    return {
      ok: false,
      reason: `the webhook signature is missing: set the contact point's HMAC secret (header ${cfg.header ?? 'X-Grafana-Alerting-Signature'})`,
    };
  const given = header(headers, name)!.trim().toLowerCase();
  let timestamp: string | undefined;
  if (cfg.timestampHeader) {
    timestamp = header(headers, cfg.timestampHeader)?.trim();
    if (!timestamp)
      return {
        ok: false,
        reason: `the signature timestamp header ${cfg.timestampHeader} is missing: set it as the contact point's HMAC timestamp header`,
      };
    if (!/^\d{1,12}$/.test(timestamp))
      return {
        ok: false,
        reason: `the signature timestamp must be Unix seconds; got ${JSON.stringify(timestamp.slice(0, 40))}`,
      };
    const window = cfg.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_S;
    const skew = Math.abs(nowMs / 1000 - Number(timestamp));
    if (skew > window)
      return {
        ok: false,
        reason: `the signature timestamp is ${Math.round(skew)} s away from this server's clock (at most ${window} s): a replayed or delayed request`,
      };
  }
  const expected = Buffer.from(sign(cfg.secret, rawBody, timestamp), 'hex');
  const got = /^[0-9a-f]{64}$/.test(given) ? Buffer.from(given, 'hex') : Buffer.alloc(0);
  // Equal length first (timingSafeEqual needs it); the length of a SHA-256 digest is public anyway.
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    return {
      ok: false,
      reason: `the webhook signature (${name}) does not match: check the contact point's HMAC secret${cfg.timestampHeader ? ' and timestamp header' : ''}`,
    };
  }
  return { ok: true };
}
