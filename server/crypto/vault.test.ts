import { randomBytes } from 'node:crypto';
import { KeyProviderError } from './errors';
import { FakeVault } from './fake-vault';
import { VaultTransitProvider } from './vault';

let vault: FakeVault;
const ctx = { sessionId: 's1' };

beforeEach(async () => {
  vault = await new FakeVault().start();
});
afterEach(() => vault.stop());

const provider = (over: Partial<ConstructorParameters<typeof VaultTransitProvider>[0]> = {}) =>
  new VaultTransitProvider({ addr: vault.addr, token: vault.token, key: 'kong-debugger', ...over });

describe('VaultTransitProvider', () => {
  it('wraps through transit encrypt and unwraps through decrypt', async () => {
    const p = provider();
    const dek = randomBytes(32);
    const w = await p.wrap(dek, ctx);
    expect(w.kekId).toBe('vault:transit/kong-debugger');
    expect(w.wrapped).toMatch(/^vault:v1:/);
    expect(w.wrapped).not.toContain(dek.toString('base64'));
    expect(await p.unwrap(w, ctx)).toEqual(dek);
    expect(vault.calls).toEqual(['encrypt/kong-debugger', 'decrypt/kong-debugger']);
  });

  it('rotates the key and rewraps to the new version without seeing the DEK', async () => {
    const p = provider();
    const dek = randomBytes(32);
    const w = await p.wrap(dek, ctx);
    await p.rotate();
    expect(vault.latestVersion('kong-debugger')).toBe(2);
    const w2 = await p.rewrap(w, ctx);
    expect(w2.wrapped).toMatch(/^vault:v2:/);
    expect(await p.unwrap(w2, ctx)).toEqual(dek);
    // Once old versions are retired, only the rewrapped key still opens.
    vault.setMinDecryptionVersion('kong-debugger', 2);
    await expect(p.unwrap(w, ctx)).rejects.toThrow('Vault answered 400 to decrypt: ciphertext or signature version is disallowed by policy (too old)');
    expect(await p.unwrap(w2, ctx)).toEqual(dek);
  });

  it("reports a deleted key (400) and a revoked token (403) with Vault's own error text", async () => {
    const p = provider();
    const w = await p.wrap(randomBytes(32), ctx);
    vault.deleteKey('kong-debugger');
    const e = await p.unwrap(w, ctx).catch((x) => x);
    expect(e).toBeInstanceOf(KeyProviderError);
    expect(e.status).toBe(400);
    expect(e.message).toBe('Vault answered 400 to decrypt: encryption key not found');
    vault.revokeToken();
    const e2 = await p.unwrap(w, ctx).catch((x) => x);
    expect(e2.status).toBe(403);
    expect(e2.message).toBe('Vault answered 403 to decrypt: 1 error occurred: * permission denied');
  });

  it('names an unreachable Vault and refuses a DEK wrapped by another key', async () => {
    const w = await provider().wrap(randomBytes(32), ctx);
    await vault.stop();
    await expect(provider({ timeoutMs: 2000 }).unwrap(w, ctx)).rejects.toThrow(/^Vault at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)$/);
    await expect(provider({ key: 'other' }).unwrap(w, ctx)).rejects.toThrow('this server is configured with vault:transit/other');
  });

  it('refuses incomplete settings precisely', () => {
    expect(() => new VaultTransitProvider({ addr: '', token: 't', key: 'k' })).toThrow('Vault address is missing (--vault-addr or VAULT_ADDR)');
    expect(() => new VaultTransitProvider({ addr: 'http://x', token: '', key: 'k' })).toThrow('Vault token is missing');
    expect(() => new VaultTransitProvider({ addr: 'http://x', token: 't', key: '' })).toThrow('Vault transit key name is missing');
    expect(() => new VaultTransitProvider({ addr: 'not a url', token: 't', key: 'k' })).toThrow('Vault address "not a url" is not a URL');
  });
});
