import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../store/database';
import { SqliteAuditLog } from './audit-sqlite';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-audit-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SqliteAuditLog', () => {
  it('keeps the Grafana user an entry acted for, and none when there was none', async () => {
    const log = new SqliteAuditLog(dir);
    await log.record({ tenant: 'default', actor: { tokenId: 't', name: 'grafana', grafanaUser: 'alice' }, action: 'session.create', target: 's1' }, 1);
    await log.record({ tenant: 'default', actor: { tokenId: 't', name: 'grafana' }, action: 'session.stop', target: 's1' }, 2);
    expect((await log.list('default')).map((e) => e.actor)).toEqual([
      { tokenId: 't', name: 'grafana' },
      { tokenId: 't', name: 'grafana', grafanaUser: 'alice' },
    ]);
    await log.close();
  });

  it('adds the grafana_user column to an audit table written before it, keeping its entries', async () => {
    const db = openDatabase(dir);
    db.exec(`CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, tenant TEXT NOT NULL, token_id TEXT,
      actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, details TEXT)`);
    db.prepare(`INSERT INTO audit (time_ms, tenant, token_id, actor, action, target) VALUES (1, 'default', 't1', 'old token', 'session.create', 's0')`).run();
    db.close();
    const log = new SqliteAuditLog(dir);
    await log.record({ tenant: 'default', actor: { tokenId: 't2', name: 'grafana', grafanaUser: 'bob' }, action: 'session.delete', target: 's0' }, 2);
    expect((await log.list('default')).map((e) => [e.action, e.actor])).toEqual([
      ['session.delete', { tokenId: 't2', name: 'grafana', grafanaUser: 'bob' }],
      ['session.create', { tokenId: 't1', name: 'old token' }],
    ]);
    await log.close();
    // opening again leaves the migrated table as it is
    const again = new SqliteAuditLog(dir);
    expect(await again.list('default')).toHaveLength(2);
    await again.close();
  });
});
