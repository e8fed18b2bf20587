import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { unwrapWith, wrapWith } from './aes-kek';
import { KEY_BYTES } from './envelope';
import { KeyProviderError } from './errors';
import type { KeyContext, KeyProvider, WrappedKey } from './provider';
import { ensurePrivateDir } from '../store/private-files';

export const LOCAL_KEK_FILE = 'kong-debugger.kek';
const FORMAT = 'kong-debugger-kek/1';

interface KekFile {
  format: typeof FORMAT;
  current: number;
  /** version → base64 key; old versions stay so DEKs not yet re-wrapped still open */
  keys: Record<string, string>;
}

/**
 * The default provider: the server keeps its KEK in `<data dir>/kong-debugger.kek`, created on first
 * start with mode 0600. This protects a copied database or backup that lacks the key file; it does not
 * protect against someone who can read the whole data dir (use a customer key or Vault for that).
 */
export class LocalKeyProvider implements KeyProvider {
  readonly description: string;
  private state: KekFile;

  private constructor(readonly file: string) {
    this.description = `server-managed key file ${file}`;
    this.state = readKekFile(file);
  }

  /** opens the KEK file in `dataDir`, creating it (0600, exclusive create) when absent */
  static open(dataDir: string): LocalKeyProvider {
    ensurePrivateDir(dataDir);
    const file = path.join(dataDir, LOCAL_KEK_FILE);
    if (!fs.existsSync(file)) {
      const initial: KekFile = { format: FORMAT, current: 1, keys: { '1': randomBytes(KEY_BYTES).toString('base64') } };
      try {
        // 'wx': two servers starting at once cannot both create (and one overwrite) the key.
        const fd = fs.openSync(file, 'wx', 0o600);
        try {
          fs.fchmodSync(fd, 0o600); // the umask cannot widen it, but be explicit
          fs.writeFileSync(fd, JSON.stringify(initial) + '\n');
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    return new LocalKeyProvider(file);
  }

  get currentKekId(): string {
    return `local:v${this.state.current}`;
  }

  async wrap(dek: Buffer, ctx: KeyContext): Promise<WrappedKey> {
    const kekId = this.currentKekId;
    return { kekId, wrapped: wrapWith(this.keyOf(kekId), kekId, dek, ctx) };
  }

  async unwrap(key: WrappedKey, ctx: KeyContext): Promise<Buffer> {
    return unwrapWith(this.keyOf(key.kekId), key.kekId, key.wrapped, ctx);
  }

  /** adds a new current version; the file is replaced atomically (write 0600 temp file, rename) */
  async rotate(): Promise<void> {
    this.state = readKekFile(this.file); // another process (the CLI) may have rotated already
    const next = this.state.current + 1;
    const updated: KekFile = {
      ...this.state,
      current: next,
      keys: { ...this.state.keys, [next]: randomBytes(KEY_BYTES).toString('base64') },
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(updated) + '\n', { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, this.file);
    this.state = updated;
  }

  private keyOf(kekId: string): Buffer {
    const m = /^local:v(\d+)$/.exec(kekId);
    if (!m) throw new KeyProviderError(`it is not a server-managed key (this server uses ${this.description})`);
    // A version this process has not seen: the CLI rotated while the server ran; read the file again.
    if (!this.state.keys[m[1]]) this.state = readKekFile(this.file);
    const b64 = this.state.keys[m[1]];
    if (!b64)
      throw new KeyProviderError(
        `version ${m[1]} is not in ${this.file} (the file was replaced or the version removed)`
      );
    return Buffer.from(b64, 'base64');
  }
}

function readKekFile(file: string): KekFile {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new KeyProviderError(`cannot read the key file ${file}: ${(e as Error).message}`);
  }
  // Like ssh with private keys: refuse a key others can read rather than use it silently.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new KeyProviderError(
      `the key file ${file} is accessible by other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`
    );
  }
  let parsed: KekFile;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new KeyProviderError(`the key file ${file} is not valid: ${(e as Error).message}`);
  }
  if (
    parsed?.format !== FORMAT ||
    !Number.isInteger(parsed.current) ||
    typeof parsed.keys !== 'object' ||
    !parsed.keys[parsed.current]
  ) {
    throw new KeyProviderError(`the key file ${file} is not a ${FORMAT} file`);
  }
  for (const [v, b64] of Object.entries(parsed.keys)) {
    if (Buffer.from(b64, 'base64').length !== KEY_BYTES)
      throw new KeyProviderError(`version ${v} in ${file} is not a ${KEY_BYTES}-byte key`);
  }
  return parsed;
}
