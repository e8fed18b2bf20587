import fs from 'node:fs';
import { fingerprint, parseKeyText, unwrapWith, wrapWith } from './aes-kek';
import { KEY_BYTES } from './envelope';
import { KeyProviderError } from './errors';
import type { KeyContext, KeyProvider, WrappedKey } from './provider';

/**
 * Customer key given to the server (file or env var). The server never stores it; its id is a
 * fingerprint, so starting with a different key later is named as such in the error. No rotate():
 * switching static keys needs both keys at once, which is not built yet; use Vault for rotation.
 */
export class StaticKeyProvider implements KeyProvider {
  readonly kekId: string;
  readonly description: string;

  constructor(
    private readonly kek: Buffer,
    source: string
  ) {
    if (kek.length !== KEY_BYTES) throw new KeyProviderError(`${source} must be ${KEY_BYTES} bytes, got ${kek.length}`);
    this.kekId = `static:${fingerprint(kek)}`;
    this.description = `customer key from ${source} (${this.kekId})`;
  }

  /** base64 text, as in KONG_DEBUGGER_KEK */
  static fromBase64(text: string, source = 'KONG_DEBUGGER_KEK'): StaticKeyProvider {
    return new StaticKeyProvider(parseKeyText(text, source), source);
  }

  /** a file holding either the 32 raw bytes or their base64 text */
  static fromFile(file: string): StaticKeyProvider {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(file);
    } catch (e) {
      throw new KeyProviderError(`cannot read the key file ${file}: ${(e as Error).message}`);
    }
    if (raw.length === KEY_BYTES) return new StaticKeyProvider(raw, file);
    return new StaticKeyProvider(parseKeyText(raw.toString('utf8'), `key file ${file}`), file);
  }

  async wrap(dek: Buffer, ctx: KeyContext): Promise<WrappedKey> {
    return { kekId: this.kekId, wrapped: wrapWith(this.kek, this.kekId, dek, ctx) };
  }

  async unwrap(key: WrappedKey, ctx: KeyContext): Promise<Buffer> {
    if (key.kekId !== this.kekId) throw new KeyProviderError(`the configured key is ${this.kekId}`);
    return unwrapWith(this.kek, key.kekId, key.wrapped, ctx);
  }
}
