import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HashiCorp Vault stand-in for tests, serving the transit endpoints the provider uses the way
 * Vault's API docs describe them: encrypt (creates the key on first use, like Vault's upsert),
 * decrypt, rewrap, keys/<name>/rotate; `X-Vault-Token` required; errors as {errors: [..]} with 400
 * for key/ciphertext problems and 403 for a missing or revoked token. Real AES-GCM underneath.
 */
export class FakeVault {
  readonly token = `hvs.${randomBytes(12).toString('base64url')}`;
  /** every transit call, in order ("encrypt/kd", "decrypt/kd", …) */
  readonly calls: string[] = [];
  private readonly keys = new Map<string, { versions: Buffer[]; minDecryptionVersion: number }>();
  private tokenRevoked = false;
  private server?: http.Server;
  addr = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.addr = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** `vault delete transit/keys/<name>` */
  deleteKey(name: string): void {
    this.keys.delete(name);
  }

  /** `vault token revoke` */
  revokeToken(): void {
    this.tokenRevoked = true;
  }

  latestVersion(name: string): number {
    return this.keys.get(name)?.versions.length ?? 0;
  }

  /** `vault write transit/keys/<name>/config min_decryption_version=N` */
  setMinDecryptionVersion(name: string, v: number): void {
    this.keys.get(name)!.minDecryptionVersion = v;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      const fail = (status: number, msg: string) => send(status, { errors: [msg] });
      const token = req.headers['x-vault-token'];
      if (!token || token !== this.token || this.tokenRevoked) return fail(403, '1 error occurred:\n\t* permission denied\n\n');
      const m = /^\/v1\/transit\/(encrypt|decrypt|rewrap)\/([^/]+)$/.exec(req.url ?? '') ?? /^\/v1\/transit\/(keys)\/([^/]+)\/rotate$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) return fail(404, `no handler for route "${req.url}"`);
      const [, op, name] = m;
      this.calls.push(`${op === 'keys' ? 'rotate' : op}/${name}`);
      let body: Record<string, unknown> = {};
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        body = text ? JSON.parse(text) : {};
      } catch {
        return fail(400, 'failed to parse JSON input');
      }
      const key = this.keys.get(name);
      if (op === 'keys') {
        if (!key) return fail(400, 'encryption key not found');
        key.versions.push(randomBytes(32));
        return send(200, { data: { name, type: 'aes256-gcm96', latest_version: key.versions.length, min_decryption_version: key.minDecryptionVersion } });
      }
      if (op === 'encrypt') {
        if (typeof body.plaintext !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body.plaintext)) return fail(400, 'failed to base64-decode plaintext');
        const k = key ?? { versions: [randomBytes(32)], minDecryptionVersion: 1 };
        this.keys.set(name, k);
        return send(200, { data: this.encrypt(k.versions, Buffer.from(body.plaintext, 'base64')) });
      }
      if (!key) return fail(400, 'encryption key not found');
      if (typeof body.ciphertext !== 'string') return fail(400, 'missing ciphertext to decrypt');
      const cm = /^vault:v(\d+):(.+)$/.exec(body.ciphertext);
      if (!cm) return fail(400, 'invalid ciphertext: no prefix');
      const version = Number(cm[1]);
      if (version < key.minDecryptionVersion) return fail(400, 'ciphertext or signature version is disallowed by policy (too old)');
      if (version > key.versions.length) return fail(400, 'invalid ciphertext: version is too new');
      let plain: Buffer;
      try {
        const raw = Buffer.from(cm[2], 'base64');
        const d = createDecipheriv('aes-256-gcm', key.versions[version - 1], raw.subarray(0, 12));
        d.setAuthTag(raw.subarray(raw.length - 16));
        plain = Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
      } catch {
        return fail(400, 'cipher: message authentication failed');
      }
      if (op === 'decrypt') return send(200, { data: { plaintext: plain.toString('base64') } });
      return send(200, { data: this.encrypt(key.versions, plain) });
    });
  }

  private encrypt(versions: Buffer[], plain: Buffer): { ciphertext: string; key_version: number } {
    const v = versions.length;
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', versions[v - 1], nonce);
    const ct = Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
    return { ciphertext: `vault:v${v}:${ct.toString('base64')}`, key_version: v };
  }
}
