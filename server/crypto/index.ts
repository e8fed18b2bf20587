// Encryption of logs at rest: envelope scheme (per-session DEK, wrapped by a KEK) and the KEK providers.
export { keyProviderFromConfig, tenantKeyResolver, type KeyConfig } from './config';
export { KeyProviderError, LogKeyUnavailableError } from './errors';
export { SessionKeyring, type DekRow, type DekStore, type KeyringOptions } from './keyring';
export { LocalKeyProvider, LOCAL_KEK_FILE } from './local';
export type { KeyContext, KeyProvider, ProviderResolver, WrappedKey } from './provider';
export { StaticKeyProvider } from './static';
export { VaultTransitProvider, type VaultTransitOptions } from './vault';
