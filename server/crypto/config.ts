import { KeyProviderError } from './errors';
import { LocalKeyProvider } from './local';
import type { KeyProvider } from './provider';
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
