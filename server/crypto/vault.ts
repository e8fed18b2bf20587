import { KeyProviderError } from './errors';
import type { KeyContext, KeyProvider, WrappedKey } from './provider';

export interface VaultTransitOptions {
  /** e.g. https://vault.example.com:8200 (VAULT_ADDR) */
  addr: string;
  /** X-Vault-Token (VAULT_TOKEN) */
  token: string;
  /** transit key name (KONG_DEBUGGER_VAULT_KEY) */
  key: string;
  /** where the transit engine is mounted, default "transit" */
  mount?: string;
  /** Vault Enterprise namespace, sent as X-Vault-Namespace */
  namespace?: string;
  /** per-request timeout, default 10 s */
  timeoutMs?: number;
}

/**
 * HashiCorp Vault's transit engine as KEK holder. The DEK leaves the process only to be encrypted by
 * Vault; Vault keeps the KEK and its versions. Endpoints (Vault API docs, "Transit secrets engine"):
 *   POST /v1/<mount>/encrypt/<key>      {plaintext: base64}        → {data: {ciphertext: "vault:v1:…", key_version}}
 *   POST /v1/<mount>/decrypt/<key>      {ciphertext}               → {data: {plaintext: base64}}
 *   POST /v1/<mount>/rewrap/<key>       {ciphertext}               → {data: {ciphertext: "vault:vN:…", key_version}}
 *   POST /v1/<mount>/keys/<key>/rotate                             → 200 key info (or 204 on older Vaults)
 * Errors come as {errors: [string]} with 400 (e.g. missing key, version below min_decryption_version)
 * or 403 (token lacks the capability, revoked token).
 */
export class VaultTransitProvider implements KeyProvider {
  readonly kekId: string;
  readonly description: string;
  private readonly base: string;
  private readonly mount: string;

  constructor(private readonly o: VaultTransitOptions) {
    if (!o.addr) throw new KeyProviderError('Vault address is missing (--vault-addr or VAULT_ADDR)');
    if (!o.token) throw new KeyProviderError('Vault token is missing (--vault-token or VAULT_TOKEN)');
    if (!o.key)
      throw new KeyProviderError('Vault transit key name is missing (--vault-key or KONG_DEBUGGER_VAULT_KEY)');
    let u: URL;
    try {
      u = new URL(o.addr);
    } catch {
      throw new KeyProviderError(`Vault address "${o.addr}" is not a URL`);
    }
    this.base = u.origin + u.pathname.replace(/\/+$/, '');
    this.mount = (o.mount ?? 'transit').replace(/^\/+|\/+$/g, '');
    this.kekId = `vault:${this.mount}/${o.key}`;
    this.description = `HashiCorp Vault transit key "${o.key}" at ${this.base}/v1/${this.mount}`;
  }

  async wrap(dek: Buffer, _ctx: KeyContext): Promise<WrappedKey> {
    const data = await this.call(`encrypt/${encodeURIComponent(this.o.key)}`, { plaintext: dek.toString('base64') });
    return { kekId: this.kekId, wrapped: this.ciphertextOf(data) };
  }

  async unwrap(key: WrappedKey, _ctx: KeyContext): Promise<Buffer> {
    this.checkOwn(key);
    const data = await this.call(`decrypt/${encodeURIComponent(this.o.key)}`, { ciphertext: key.wrapped });
    if (typeof data?.plaintext !== 'string') throw new KeyProviderError('Vault decrypt answer has no data.plaintext');
    return Buffer.from(data.plaintext, 'base64');
  }

  async rewrap(key: WrappedKey, _ctx: KeyContext): Promise<WrappedKey> {
    this.checkOwn(key);
    const data = await this.call(`rewrap/${encodeURIComponent(this.o.key)}`, { ciphertext: key.wrapped });
    return { kekId: this.kekId, wrapped: this.ciphertextOf(data) };
  }

  async rotate(): Promise<void> {
    await this.call(`keys/${encodeURIComponent(this.o.key)}/rotate`, undefined);
  }

  private checkOwn(key: WrappedKey): void {
    if (key.kekId !== this.kekId) throw new KeyProviderError(`this server is configured with ${this.kekId}`);
  }

  private ciphertextOf(data: any): string {
    const ct = data?.ciphertext;
    if (typeof ct !== 'string' || !/^vault:v\d+:/.test(ct))
      throw new KeyProviderError('Vault answer has no data.ciphertext of the form vault:v<N>:…');
    return ct;
  }

  /** POST to the transit mount; returns `data` of the answer, or throws with Vault's own error text */
  private async call(sub: string, body: unknown): Promise<any> {
    const url = `${this.base}/v1/${this.mount}/${sub}`;
    const headers: Record<string, string> = { 'X-Vault-Token': this.o.token, 'content-type': 'application/json' };
    if (this.o.namespace) headers['X-Vault-Namespace'] = this.o.namespace;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new KeyProviderError(`Vault at ${this.base} is unreachable (${cause ?? (e as Error).message})`);
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const errs = Array.isArray(json?.errors)
        ? json.errors.map((x: unknown) => String(x).replace(/\s+/g, ' ').trim()).join('; ')
        : text.slice(0, 200);
      throw new KeyProviderError(
        `Vault answered ${res.status} to ${sub.split('/')[0]}: ${errs || 'no error text'}`,
        res.status
      );
    }
    return json?.data;
  }
}
