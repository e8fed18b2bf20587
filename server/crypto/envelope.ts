import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Pure AES-256-GCM helpers for the envelope scheme: a random 256-bit data key (DEK) per session seals
// that session's log records; a key-encryption key (KEK) wraps the DEK. Nothing here does I/O.

export const KEY_BYTES = 32;
const NONCE_BYTES = 12; // 96-bit nonce: GCM's native size, random per record (2^-32 collision bound is far off at debug-session volumes)
const TAG_BYTES = 16;
/** first byte of a sealed record, so the format can change without guessing */
const RECORD_FORMAT_V1 = 1;

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** nonce ‖ ciphertext ‖ tag, under `key`, authenticated with `aad` */
export function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  if (key.length !== KEY_BYTES) throw new RangeError(`AES-256 key must be ${KEY_BYTES} bytes, got ${key.length}`);
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([nonce, ct, c.getAuthTag()]);
}

/** inverse of gcmSeal; throws if the key, the AAD or any byte is wrong */
export function gcmOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (key.length !== KEY_BYTES) throw new RangeError(`AES-256 key must be ${KEY_BYTES} bytes, got ${key.length}`);
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error('sealed value is too short');
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(aad);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), d.final()]);
}

/**
 * Binds a record's ciphertext to where it belongs: the session and the record's identity (its
 * dedupe key, known before insert and stable across retries). Swapping sealed blobs between rows or
 * sessions then fails authentication instead of showing another record's content.
 */
export function logRecordAad(sessionId: string, recordKey: string): Buffer {
  return Buffer.from(`kong-debugger/log/v1\0${sessionId}\0${recordKey}`, 'utf8');
}

/** the DEK wrap binds the session too, so a wrapped key copied to another session's row does not open */
export function dekAad(sessionId: string, kekId: string): Buffer {
  return Buffer.from(`kong-debugger/dek/v1\0${sessionId}\0${kekId}`, 'utf8');
}

export interface LogContent {
  body: unknown;
  attributes: unknown;
}

/** one record's body + attributes as one sealed blob: format byte ‖ nonce ‖ ciphertext ‖ tag */
export function sealLogContent(dek: Buffer, aad: Buffer, content: LogContent): Buffer {
  const json = Buffer.from(JSON.stringify({ b: content.body ?? null, a: content.attributes }), 'utf8');
  return Buffer.concat([Buffer.from([RECORD_FORMAT_V1]), gcmSeal(dek, json, aad)]);
}

export function openLogContent(dek: Buffer, aad: Buffer, blob: Buffer): LogContent {
  if (blob.length === 0 || blob[0] !== RECORD_FORMAT_V1) throw new Error(`unknown sealed record format ${blob[0]}`);
  const parsed = JSON.parse(gcmOpen(dek, blob.subarray(1), aad).toString('utf8')) as { b: unknown; a: unknown };
  return { body: parsed.b, attributes: parsed.a };
}
