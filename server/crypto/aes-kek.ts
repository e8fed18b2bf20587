import { createHash } from 'node:crypto';
import { dekAad, gcmOpen, gcmSeal, KEY_BYTES } from './envelope';
import { KeyProviderError } from './errors';
import type { KeyContext } from './provider';

// Wrapping with a KEK held in this process (local and static providers): AES-256-GCM, AAD = session + KEK id.

export function wrapWith(kek: Buffer, kekId: string, dek: Buffer, ctx: KeyContext): string {
  return gcmSeal(kek, dek, dekAad(ctx.sessionId, kekId)).toString('base64');
}

export function unwrapWith(kek: Buffer, kekId: string, wrapped: string, ctx: KeyContext): Buffer {
  try {
    const dek = gcmOpen(kek, Buffer.from(wrapped, 'base64'), dekAad(ctx.sessionId, kekId));
    if (dek.length !== KEY_BYTES) throw new Error(`unwrapped key has ${dek.length} bytes`);
    return dek;
  } catch (e) {
    throw new KeyProviderError(`the wrapped data key does not open with ${kekId} (${(e as Error).message})`);
  }
}

/** a public, non-reversible name for a key, so a stored row says which key it needs without revealing it */
export function fingerprint(key: Buffer): string {
  return createHash('sha256').update('kong-debugger/kek-id\0').update(key).digest('hex').slice(0, 16);
}

/** `KONG_DEBUGGER_KEK`-style base64 text → exactly 32 bytes, or a precise error */
export function parseKeyText(text: string, source: string): Buffer {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t))
    throw new KeyProviderError(
      `${source} is not base64 (expected 32 random bytes, e.g. from \`openssl rand -base64 32\`)`
    );
  const key = Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
  if (key.length !== KEY_BYTES)
    throw new KeyProviderError(`${source} decodes to ${key.length} bytes; a 256-bit key needs exactly ${KEY_BYTES}`);
  return key;
}
