import { newDataKey } from './envelope';
import { KeyProviderError, LogKeyUnavailableError } from './errors';
import { toResolver, type KeyContext, type KeyProvider, type ProviderResolver } from './provider';

/** one row of `session_keys` */
export interface DekRow {
  sessionId: string;
  kekId: string;
  wrapped: string;
  createdMs: number;
}

/** where wrapped DEKs live (the store's `session_keys` table): synchronous on SQLite, asynchronous on PostgreSQL */
export interface DekStore {
  getDek(sessionId: string): DekRow | undefined | Promise<DekRow | undefined>;
  /** inserts unless the session already has a key; returns the row that is stored */
  insertDek(row: DekRow): DekRow | Promise<DekRow>;
  updateDek(sessionId: string, kekId: string, wrapped: string): void | Promise<void>;
  listDeks(): DekRow[] | Promise<DekRow[]>;
}

export interface KeyringOptions {
  /** unwrapped DEKs kept in memory (LRU), default 1000 */
  maxCached?: number;
  /** how long an unwrapped DEK is trusted before the provider is asked again, default 5 min: bounds how long a revoked KEK keeps working */
  cacheTtlMs?: number;
  now?: () => number;
  /** the tenant of a session, so a tenant's own (customer-managed) key wraps its sessions' data keys */
  tenantOf?: (sessionId: string) => string | undefined | Promise<string | undefined>;
}

/**
 * Per-session data keys: created and wrapped on a session's first log, unwrapped once and cached
 * (bounded, with a TTL) so a log query does not call the KMS per row, re-wrapped on rotation.
 */
export class SessionKeyring {
  private readonly resolve: ProviderResolver;
  private readonly cache = new Map<string, { dek: Buffer; at: number }>();
  /** one in-flight fetch per session, so a burst of batches creates one DEK, not several */
  private readonly inflight = new Map<string, Promise<Buffer>>();
  private readonly maxCached: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    provider: KeyProvider | ProviderResolver,
    private readonly store: DekStore,
    opts: KeyringOptions = {}
  ) {
    this.resolve = toResolver(provider);
    this.maxCached = opts.maxCached ?? 1000;
    this.ttlMs = opts.cacheTtlMs ?? 300_000;
    this.now = opts.now ?? Date.now;
    this.tenantOf = opts.tenantOf;
  }

  private readonly tenantOf?: KeyringOptions['tenantOf'];

  private async ctx(sessionId: string): Promise<KeyContext> {
    const tenantId = sessionId ? await this.tenantOf?.(sessionId) : undefined;
    return tenantId ? { sessionId, tenantId } : { sessionId };
  }

  /** the cached DEK, if fresh (no I/O) */
  cached(sessionId: string): Buffer | undefined {
    const hit = this.cache.get(sessionId);
    if (!hit) return undefined;
    if (this.now() - hit.at > this.ttlMs) {
      this.cache.delete(sessionId);
      return undefined;
    }
    // LRU: re-insert so Map order is least-recently-used first.
    this.cache.delete(sessionId);
    this.cache.set(sessionId, hit);
    return hit.dek;
  }

  /** the session's DEK for sealing new records: created and stored wrapped on first use */
  dekForWrite(sessionId: string): Promise<Buffer> {
    return this.once(sessionId, true);
  }

  /** the session's DEK for reading; LogKeyUnavailableError when it has none or the KEK cannot unwrap it */
  dekForRead(sessionId: string): Promise<Buffer> {
    return this.once(sessionId, false);
  }

  forget(sessionId: string): void {
    this.cache.delete(sessionId);
  }

  private once(sessionId: string, create: boolean): Promise<Buffer> {
    const hit = this.cached(sessionId);
    if (hit) return Promise.resolve(hit);
    const key = `${create ? 'w' : 'r'}:${sessionId}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(sessionId, create).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetch(sessionId: string, create: boolean): Promise<Buffer> {
    const ctx = await this.ctx(sessionId);
    const provider = this.resolve(ctx);
    let row = await this.store.getDek(sessionId);
    let dek: Buffer;
    if (!row) {
      if (!create) throw new LogKeyUnavailableError(sessionId, undefined, 'no data key is stored for this session');
      dek = newDataKey();
      let w;
      try {
        w = await provider.wrap(dek, ctx);
      } catch (e) {
        throw new LogKeyUnavailableError(sessionId, kekIdOf(provider), reasonOf(e), 'encrypted');
      }
      row = await this.store.insertDek({ sessionId, kekId: w.kekId, wrapped: w.wrapped, createdMs: this.now() });
      // Another process won the race: use its key, not ours.
      if (row.wrapped !== w.wrapped) dek = await this.unwrapRow(provider, row, ctx, 'encrypted');
    } else {
      dek = await this.unwrapRow(provider, row, ctx, create ? 'encrypted' : 'decrypted');
    }
    this.remember(sessionId, dek);
    return dek;
  }

  private async unwrapRow(
    provider: KeyProvider,
    row: DekRow,
    ctx: KeyContext,
    op: 'encrypted' | 'decrypted'
  ): Promise<Buffer> {
    try {
      return await provider.unwrap({ kekId: row.kekId, wrapped: row.wrapped }, ctx);
    } catch (e) {
      throw new LogKeyUnavailableError(row.sessionId, row.kekId, reasonOf(e), op);
    }
  }

  private remember(sessionId: string, dek: Buffer): void {
    this.cache.delete(sessionId);
    this.cache.set(sessionId, { dek, at: this.now() });
    while (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
  }

  /**
   * Rotation: each provider makes a new KEK version current, then every stored DEK is re-wrapped
   * under it. Log rows are not touched: their DEKs do not change. A DEK that cannot be re-wrapped
   * (its KEK already revoked) is reported, the others still move.
   */
  async rotate(): Promise<{ rewrapped: number; failed: Array<{ sessionId: string; error: string }> }> {
    const rows = await this.store.listDeks();
    const rotated = new Set<KeyProvider>();
    const failed: Array<{ sessionId: string; error: string }> = [];
    let rewrapped = 0;
    // A provider with no sessions yet still rotates (the next DEK is wrapped under the new version).
    const first = this.resolve({ sessionId: '' });
    if (first.rotate) await first.rotate();
    rotated.add(first);
    for (const row of rows) {
      const ctx = await this.ctx(row.sessionId);
      const provider = this.resolve(ctx);
      try {
        if (!rotated.has(provider)) {
          rotated.add(provider);
          if (provider.rotate) await provider.rotate();
        }
        const w = provider.rewrap
          ? await provider.rewrap({ kekId: row.kekId, wrapped: row.wrapped }, ctx)
          : await provider.wrap(await provider.unwrap({ kekId: row.kekId, wrapped: row.wrapped }, ctx), ctx);
        await this.store.updateDek(row.sessionId, w.kekId, w.wrapped);
        rewrapped++;
      } catch (e) {
        failed.push({ sessionId: row.sessionId, error: reasonOf(e) });
      }
    }
    return { rewrapped, failed };
  }
}

function kekIdOf(p: KeyProvider): string | undefined {
  return (p as { kekId?: string; currentKekId?: string }).currentKekId ?? (p as { kekId?: string }).kekId;
}

function reasonOf(e: unknown): string {
  if (e instanceof KeyProviderError) return e.message;
  return `unexpected error: ${(e as Error)?.message ?? String(e)}`;
}
