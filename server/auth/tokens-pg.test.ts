// API tokens on PostgreSQL, shared by replicas: each PgTokenStore with its own pool stands for one replica.
import Fastify from 'fastify';
import { openPool } from '../store/pg-pool';
import { createTestDatabase, replicaPools } from '../testing/pg';
import { installAuth } from './hooks';
import { openTokenStore } from './open-token-store';
import { PgTokenStore } from './tokens-pg';
import { TokenError } from './tokens';

const replicas = replicaPools();
const pool = () => replicas.pool();

describe('PgTokenStore', () => {
  it('opens concurrently on an empty database from several replicas without failing', async () => {
    const fresh = await createTestDatabase();
    const replicas = Array.from({ length: 6 }, () => openPool(fresh.url, 2));
    try {
      const stores = await Promise.all(replicas.map((p) => PgTokenStore.open(p)));
      expect(await Promise.all(stores.map((s) => s.count()))).toEqual([0, 0, 0, 0, 0, 0]);
    } finally {
      await Promise.all(replicas.map((p) => p.end()));
      await fresh.drop();
    }
  });

  it('creates, verifies, lists and revokes, keeping only a bytea hash of the secret', async () => {
    const p = pool();
    const store = await openTokenStore('/nonexistent-unused', p);
    expect(store).toBeInstanceOf(PgTokenStore);
    const a = await store.create('  grafana ', 'viewer', 'team-a');
    const b = await store.create('kong', 'ingest');
    expect(a.token).toMatch(/^kdbg_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.info).toMatchObject({ id: a.token.split('_')[1], name: 'grafana', role: 'viewer', tenant: 'team-a' });
    expect(b.info.tenant).toBe('default');

    expect(await store.verify(a.token)).toEqual({ tokenId: a.info.id, name: 'grafana', role: 'viewer', tenant: 'team-a' });
    // A wrong secret for a real id, an unknown id and garbage are all refused.
    const secret = a.token.slice('kdbg_'.length + 12 + 1);
    expect(await store.verify(a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(await store.verify(`kdbg_000000000000_${secret}`)).toBeUndefined();
    expect(await store.verify("kdbg_'; DROP TABLE tokens; --")).toBeUndefined();

    expect(await store.list('team-a')).toEqual([a.info]);
    expect((await store.list()).map((t) => t.id)).toEqual([a.info.id, b.info.id]);
    expect(await store.count()).toBe(2);

    const raw = await p.query(`SELECT secret_hash, pg_typeof(secret_hash)::text AS type FROM tokens WHERE id = $1`, [a.info.id]);
    expect(raw.rows[0].type).toBe('bytea');
    expect(raw.rows[0].secret_hash).toHaveLength(32);
    expect(JSON.stringify(await p.query('SELECT * FROM tokens'))).not.toContain(secret);

    // Revocation is tenant-scoped when a tenant is given, and happens once.
    expect(await store.revoke(a.info.id, 'team-b')).toBe(false);
    expect(await store.revoke(a.info.id, 'team-a')).toBe(true);
    expect(await store.revoke(a.info.id)).toBe(false);
    expect(await store.verify(a.token)).toBeUndefined();
    expect((await store.list('team-a'))[0].revokedAt).toEqual(expect.any(String));
    expect(await store.count()).toBe(1);
    await store.close();
    // close() leaves the caller's pool open.
    expect((await p.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('refuses bad names, roles and tenants with a TokenError', async () => {
    const store = await PgTokenStore.open(pool());
    await expect(store.create('x', 'root' as never)).rejects.toThrow(new TokenError('role must be one of admin, debugger, viewer, ingest; got "root"'));
    await expect(store.create('x', 'viewer', 'Team A')).rejects.toThrow(TokenError);
    await expect(store.create(' ', 'viewer')).rejects.toThrow('name must be a non-empty string of at most 100 characters');
    await expect(store.create('x'.repeat(101), 'viewer')).rejects.toThrow(TokenError);
  });

  it('shares tokens between replicas: created on one verifies on the other, revoked on one is refused by the other at once', async () => {
    const one = await PgTokenStore.open(pool());
    const two = await PgTokenStore.open(pool());
    const { token, info } = await one.create('ops', 'debugger', 'team-r');
    expect(await two.verify(token)).toEqual({ tokenId: info.id, name: 'ops', role: 'debugger', tenant: 'team-r' });
    expect(await two.list('team-r')).toEqual([info]);
    expect(await two.revoke(info.id, 'team-r')).toBe(true);
    expect(await one.verify(token)).toBeUndefined();
    expect(await one.revoke(info.id)).toBe(false);
  });

  it('answers 503 (not 500, no crash) when the token table cannot be read', async () => {
    const p = openPool(replicas.url(), 1);
    const store = await PgTokenStore.open(p);
    const { token } = await store.create('x', 'viewer');
    const app = Fastify();
    const failures: Array<[number, string]> = [];
    installAuth(app, { mode: 'tokens', tokens: store }, { onFailure: (reply, status, message) => void (failures.push([status, message]), reply.code(status).send({ message })) });
    app.get('/who', async (req) => req.principal);
    // A real listener: fastify's inject pulls in an ESM-only dependency jest cannot load.
    const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/who`;
    const who = () => fetch(url, { headers: { authorization: `Bearer ${token}` } });
    try {
      expect(await (await who()).json()).toMatchObject({ name: 'x', role: 'viewer' });
      // The database is out of reach: every query of this pool now rejects.
      await p.end();
      const r = await who();
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ message: 'the token store is unavailable; retry shortly' });
      expect(failures).toEqual([[503, 'the token store is unavailable; retry shortly']]);
    } finally {
      await app.close();
    }
  });
});
