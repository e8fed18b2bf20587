import { randomBytes } from 'node:crypto';
import { logRecordAad, openLogContent, sealLogContent } from './envelope';
import { LogKeyUnavailableError } from './errors';
import { SessionKeyring, type DekRow, type DekStore } from './keyring';
import type { KeyProvider, WrappedKey } from './provider';
import { StaticKeyProvider } from './static';

function memoryStore(): DekStore & { rows: Map<string, DekRow> } {
  const rows = new Map<string, DekRow>();
  return {
    rows,
    getDek: (id) => rows.get(id),
    insertDek: (r) => (rows.has(r.sessionId) ? rows.get(r.sessionId)! : (rows.set(r.sessionId, r), r)),
    updateDek: (id, kekId, wrapped) => void rows.set(id, { ...rows.get(id)!, kekId, wrapped }),
    listDeks: () => [...rows.values()],
  };
}

/** a real static provider that counts unwraps */
function counting(): KeyProvider & { unwraps: number; wraps: number } {
  const inner = StaticKeyProvider.fromBase64(randomBytes(32).toString('base64'));
  const p = {
    description: 'counting',
    unwraps: 0,
    wraps: 0,
    async wrap(dek: Buffer, c: { sessionId: string }) {
      p.wraps++;
      return inner.wrap(dek, c);
    },
    async unwrap(w: WrappedKey, c: { sessionId: string }) {
      p.unwraps++;
      return inner.unwrap(w, c);
    },
  };
  return p;
}

describe('envelope', () => {
  it('seals body + attributes with a random nonce, bound to session and record', () => {
    const dek = randomBytes(32);
    const aad = logRecordAad('s1', 'k1');
    const a = sealLogContent(dek, aad, { body: 'MARKER', attributes: { x: 'MARKER' } });
    const b = sealLogContent(dek, aad, { body: 'MARKER', attributes: { x: 'MARKER' } });
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from('MARKER'))).toBe(false);
    expect(openLogContent(dek, aad, a)).toEqual({ body: 'MARKER', attributes: { x: 'MARKER' } });
    expect(() => openLogContent(dek, logRecordAad('s1', 'k2'), a)).toThrow('Unsupported state or unable to authenticate data');
    expect(() => openLogContent(dek, logRecordAad('s2', 'k1'), a)).toThrow();
  });
});

describe('SessionKeyring', () => {
  it('creates one DEK per session even under concurrent first writes, and caches it', async () => {
    const p = counting();
    const store = memoryStore();
    const ring = new SessionKeyring(p, store);
    const [a, b] = await Promise.all([ring.dekForWrite('s1'), ring.dekForWrite('s1')]);
    expect(a).toBe(b);
    expect(p.wraps).toBe(1);
    expect(store.rows.size).toBe(1);
    expect(ring.cached('s1')).toBe(a);
    // A new keyring (server restart) unwraps once, then serves from the cache.
    const ring2 = new SessionKeyring(p, store);
    for (let i = 0; i < 5; i++) expect(await ring2.dekForRead('s1')).toEqual(a);
    expect(p.unwraps).toBe(1);
  });

  it('bounds the cache (LRU) and expires entries after the TTL so a revoked KEK stops working', async () => {
    let now = 0;
    const p = counting();
    const ring = new SessionKeyring(p, memoryStore(), { maxCached: 2, cacheTtlMs: 1000, now: () => now });
    for (const s of ['a', 'b', 'c']) await ring.dekForWrite(s);
    expect(ring.cached('a')).toBeUndefined();
    expect(ring.cached('c')).toBeDefined();
    now += 1001;
    expect(ring.cached('c')).toBeUndefined();
  });

  it('answers a read of a session without key, or with a KEK that cannot unwrap, with LogKeyUnavailableError', async () => {
    const store = memoryStore();
    await new SessionKeyring(counting(), store).dekForWrite('s1');
    await expect(new SessionKeyring(counting(), store).dekForRead('nope')).rejects.toThrow('logs of session nope cannot be decrypted: key (none) is unavailable: no data key is stored for this session');
    const e = await new SessionKeyring(counting(), store).dekForRead('s1').catch((x) => x);
    expect(e).toBeInstanceOf(LogKeyUnavailableError);
    expect(e.message).toMatch(/^logs of session s1 cannot be decrypted: key static:[0-9a-f]{16} is unavailable: the configured key is static:[0-9a-f]{16}$/);
  });
});
