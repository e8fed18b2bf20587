/** What a key is for: the session whose DEK is wrapped; `tenantId` selects a provider once tenants exist. */
export interface KeyContext {
  sessionId: string;
  tenantId?: string;
}

/** A DEK as the KEK's owner returned it: which KEK (and version, when the provider has versions) and the opaque text. */
export interface WrappedKey {
  kekId: string;
  wrapped: string;
}

/**
 * Holder of a key-encryption key. Implementations: local (server-managed file), static (customer key
 * from a file or env var), vault (HashiCorp Vault transit). Failures throw KeyProviderError.
 */
export interface KeyProvider {
  /** short description for the startup banner, never key material */
  readonly description: string;
  wrap(dek: Buffer, ctx: KeyContext): Promise<WrappedKey>;
  unwrap(key: WrappedKey, ctx: KeyContext): Promise<Buffer>;
  /** makes a new KEK version current; absent when the provider cannot rotate by itself */
  rotate?(): Promise<void>;
  /** re-wraps under the current KEK version without exposing the DEK (Vault's rewrap); otherwise unwrap+wrap is used */
  rewrap?(key: WrappedKey, ctx: KeyContext): Promise<WrappedKey>;
}

/**
 * Which provider holds a context's KEK. Today one provider serves everything; with tenants, a
 * resolver maps ctx.tenantId to that tenant's customer-managed provider.
 */
export type ProviderResolver = (ctx: KeyContext) => KeyProvider;

export function toResolver(p: KeyProvider | ProviderResolver): ProviderResolver {
  return typeof p === 'function' ? p : () => p;
}
