import { KeyProviderError } from './errors';
import { LocalKeyProvider } from './local';
import fs from 'node:fs';
import type { KeyProvider, ProviderResolver } from './provider';
import { StaticKeyProvider } from './static';
import { VaultTransitProvider } from './vault';

/** The key settings of `serve` / `keys rotate`, after commander merged flags and env vars. */
export interface KeyConfig {
  dataDir: string;
  /** --kek-file (env KONG_DEBUGGER_KEK_FILE) */
  kekFile?: string;
  /** env KONG_DEBUGGER_KEK: base64 of 32 bytes */
  kekBase64?: string;
  /** --vault-key (env KONG_DEBUGGER_VAULT_KEY); selects Vault */
  vaultKey?: string;
  /** --vault-addr (env VAULT_ADDR) */
  vaultAddr?: string;
  /** --vault-token (env VAULT_TOKEN) */
  vaultToken?: string;
  /** --vault-mount (env KONG_DEBUGGER_VAULT_MOUNT), default transit */
  vaultMount?: string;
  /** --vault-namespace (env VAULT_NAMESPACE) */
  vaultNamespace?: string;
}

/**
 * Picks the one KEK provider the settings ask for: Vault when a Vault key is named, a static customer
 * key from a file or KONG_DEBUGGER_KEK, else the server-managed local key file. Two sources at once is
 * an error rather than a silent precedence rule: encrypting under the wrong key is hard to undo.
 */
export function keyProviderFromConfig(c: KeyConfig): KeyProvider {
  const chosen = [
    c.vaultKey ? '--vault-key/KONG_DEBUGGER_VAULT_KEY' : '',
    c.kekFile ? '--kek-file' : '',
    c.kekBase64 ? 'KONG_DEBUGGER_KEK' : '',
  ].filter(Boolean);
  if (chosen.length > 1) throw new KeyProviderError(`choose one key source, not ${chosen.join(' and ')}`);
  if (c.vaultKey) {
    return new VaultTransitProvider({
      addr: c.vaultAddr ?? '',
      token: c.vaultToken ?? '',
      key: c.vaultKey,
      mount: c.vaultMount,
      namespace: c.vaultNamespace,
    });
  }
  if (c.kekFile) return StaticKeyProvider.fromFile(c.kekFile);
  if (c.kekBase64) return StaticKeyProvider.fromBase64(c.kekBase64);
  return LocalKeyProvider.open(c.dataDir);
}

/**
 * Customer-managed keys per tenant: a JSON file `{ "<tenant>": { "kekFile": "..." } | { "kekBase64": "..." } |
 * { "vaultKey": "...", "vaultAddr": "...", "vaultToken": "...", "vaultMount"?: "...", "vaultNamespace"?: "..." } }`.
 * Sessions of a listed tenant get their data keys wrapped by that tenant's key; every other tenant (and logs that
 * wait for their trace) by the server's default provider.
 */
export function tenantKeyResolver(file: string, fallback: KeyProvider, dataDir: string): ProviderResolver {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new KeyProviderError(`cannot read tenant keys from ${file}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new KeyProviderError(`${file} must be a JSON object of tenant → key settings`);
  const known = new Set(['kekFile', 'kekBase64', 'vaultKey', 'vaultAddr', 'vaultToken', 'vaultMount', 'vaultNamespace']);
  const byTenant = new Map<string, KeyProvider>();
  for (const [tenant, cfg] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof cfg !== 'object' || cfg === null) throw new KeyProviderError(`${file}: the settings of tenant "${tenant}" must be an object`);
    for (const k of Object.keys(cfg)) if (!known.has(k)) throw new KeyProviderError(`${file}: tenant "${tenant}": unknown setting "${k}"; use ${[...known].join(', ')}`);
    const c = cfg as Omit<KeyConfig, 'dataDir'>;
    if (!c.kekFile && !c.kekBase64 && !c.vaultKey) throw new KeyProviderError(`${file}: tenant "${tenant}" names no key (kekFile, kekBase64 or vaultKey)`);
    byTenant.set(tenant, keyProviderFromConfig({ ...c, dataDir }));
  }
  return (ctx) => (ctx.tenantId !== undefined && byTenant.get(ctx.tenantId)) || fallback;
}
