// The audit log on PostgreSQL, shared by replicas: each PgAuditLog with its own pool stands for one replica.
import { openPool } from '../store/pg-pool';
import { createTestDatabase, replicaPools } from '../testing/pg';
import { PgAuditLog } from './audit-pg';
import { openAuditLog } from './open-audit-log';

const replicas = replicaPools();
const pool = () => replicas.pool();

describe('PgAuditLog', () => {
  it('opens concurrently on an empty database from several replicas without failing', async () => {
    const fresh = await createTestDatabase();
    const replicas = Array.from({ length: 6 }, () => openPool(fresh.url, 2));
    try {
      const logs = await Promise.all(replicas.map((p) => PgAuditLog.open(p)));
      expect(await Promise.all(logs.map((l) => l.list('default')))).toEqual([[], [], [], [], [], []]);
    } finally {
      await Promise.all(replicas.map((p) => p.end()));
      await fresh.drop();
    }
  });

  it("lists every replica's entries in one list, newest first, one tenant's only", async () => {
    const one = await openAuditLog('/nonexistent-unused', pool());
    const two = await openAuditLog('/nonexistent-unused', pool());
    expect(one).toBeInstanceOf(PgAuditLog);
    const t0 = Date.UTC(2026, 0, 1);
    await one.record({ tenant: 'team-a', actor: { tokenId: 'aaaaaaaaaaaa', name: 'alice' }, action: 'session.create', target: 's1', details: { name: 'n\u0000ul', rule: { type: 'advanced', expression: 'x == "é"' } } }, t0);
    await two.record({ tenant: 'team-a', actor: { name: 'anonymous' }, action: 'session.stop', target: 's1' }, t0 + 1);
    await two.record({ tenant: 'team-b', actor: { tokenId: 'bbbbbbbbbbbb', name: 'bob' }, action: 'token.create', target: 'tok' }, t0 + 2);
    await one.record({ tenant: 'team-a', actor: { name: 'anonymous' }, action: 'session.delete', target: 's1' }, t0 + 3);
    await one.record({ tenant: 'team-a', actor: { name: 'anonymous' }, action: 'token.revoke', target: 'other' }, t0 + 4);

    const fromTwo = await two.list('team-a');
    expect(fromTwo.map((e) => [e.action, e.target])).toEqual([
      ['token.revoke', 'other'],
      ['session.delete', 's1'],
      ['session.stop', 's1'],
      ['session.create', 's1'],
    ]);
    expect(await one.list('team-a')).toEqual(fromTwo);
    expect(fromTwo[3]).toEqual({
      id: expect.any(Number),
      time: '2026-01-01T00:00:00.000Z',
      tenant: 'team-a',
      actor: { tokenId: 'aaaaaaaaaaaa', name: 'alice' },
      action: 'session.create',
      target: 's1',
      details: { name: 'n\u0000ul', rule: { type: 'advanced', expression: 'x == "é"' } },
    });
    expect(fromTwo[2].actor).toEqual({ name: 'anonymous' });
    expect(fromTwo[2]).not.toHaveProperty('details');

    expect((await one.list('team-a', { target: 's1', limit: 2 })).map((e) => e.action)).toEqual(['session.delete', 'session.stop']);
    expect((await one.list('team-b')).map((e) => e.actor.name)).toEqual(['bob']);
    expect(await one.list('team-c')).toEqual([]);
    await one.close();
    await two.close();
  });

  it('adds the grafana_user column to an audit table written before it, keeping its entries', async () => {
    const fresh = await createTestDatabase();
    const p = openPool(fresh.url, 2);
    try {
      await p.query(`CREATE TABLE audit (id bigserial PRIMARY KEY, time_ms bigint NOT NULL, tenant text NOT NULL, token_id text,
        actor text NOT NULL, action text NOT NULL, target text NOT NULL, details text)`);
      await p.query(`INSERT INTO audit (time_ms, tenant, token_id, actor, action, target) VALUES (1, 'default', 't1', 'old token', 'session.create', 's0')`);
      const log = await PgAuditLog.open(p);
      await log.record({ tenant: 'default', actor: { tokenId: 't2', name: 'grafana', grafanaUser: 'alice' }, action: 'session.create', target: 's1' }, 2);
      expect((await log.list('default')).map((e) => e.actor)).toEqual([
        { tokenId: 't2', name: 'grafana', grafanaUser: 'alice' },
        { tokenId: 't1', name: 'old token' },
      ]);
    } finally {
      await p.end();
      await fresh.drop();
    }
  });
});
