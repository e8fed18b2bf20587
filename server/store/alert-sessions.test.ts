import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SessionAlert } from '../../common/api';
import { createTestDatabase } from '../testing/pg';
import { storedSession } from '../testing/sessions';
import { AlertSessionRunningError, alertKey } from './errors';
import { PgStore } from './postgres';
import { SqliteStore } from './sqlite';
import { DATABASE_FILE } from './database';
import type { Store } from './types';

const alert = (fingerprint: string): SessionAlert => ({
  source: 'grafana',
  name: 'KongHighErrorRate',
  fingerprint,
  labels: { alertname: 'KongHighErrorRate' },
});
const NOW = Date.parse('2026-12-06T21:00:00Z');

// Sessions started by alerts, on both stores: kept with their alert, found by it, one running per alert and tenant.
describe.each(['sqlite', 'postgres'] as const)('alert sessions in the %s store', (kind) => {
  let dir: string;
  let store: Store;
  let drop: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-alert-store-'));
    if (kind === 'sqlite') store = new SqliteStore(dir, () => NOW, {});
    else {
      const db = await createTestDatabase('kdbg_alerts13');
      drop = db.drop;
      store = await PgStore.open(db.url, () => NOW, {});
    }
  });
  afterEach(async () => {
    await store.close();
    await drop?.();
    drop = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the alert on the session and finds the sessions of an alert', async () => {
    await store.saveSession(storedSession('s1', NOW, { tenant: 'default', alert: alert('fp1') }));
    await store.saveSession(storedSession('s2', NOW + 1, { tenant: 'default' }));
    await store.saveSession(storedSession('s3', NOW + 2, { tenant: 'blue', alert: alert('fp1') }));
    expect((await store.getSession('s1'))?.alert).toEqual(alert('fp1'));
    expect((await store.listSessions({ alertKey: alertKey('default', 'fp1') })).map((s) => s.id)).toEqual(['s1']);
    expect((await store.listSessions({ alertKey: alertKey('blue', 'fp1') })).map((s) => s.id)).toEqual(['s3']);
    expect(await store.listSessions({ alertKey: alertKey('default', 'fp2') })).toEqual([]);
    expect((await store.listSessions()).map((s) => s.id)).toEqual(['s3', 's2', 's1']);
  });

  it('refuses a second running session for one alert of one tenant, not once the first ended', async () => {
    await store.saveSession(storedSession('s1', NOW, { tenant: 'default', alert: alert('fp1') }));
    await expect(
      (async () => store.saveSession(storedSession('s2', NOW, { tenant: 'default', alert: alert('fp1') })))()
    ).rejects.toThrow(AlertSessionRunningError);
    // updating the running one is no second session
    await store.saveSession(storedSession('s1', NOW, { tenant: 'default', alert: alert('fp1'), traceCount: 1 }));
    await store.saveSession(
      storedSession('s1', NOW, {
        tenant: 'default',
        alert: alert('fp1'),
        status: 'cancelled',
        endedAt: new Date(NOW).toISOString(),
      })
    );
    await store.saveSession(storedSession('s2', NOW + 1, { tenant: 'default', alert: alert('fp1') }));
    expect((await store.listSessions({ alertKey: alertKey('default', 'fp1') })).map((s) => [s.id, s.status])).toEqual([
      ['s2', 'in_progress'],
      ['s1', 'cancelled'],
    ]);
  });
});

it('upgrades a SQLite database of schema 5: sessions get their alert key', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-alert-migrate-'));
  try {
    new SqliteStore(dir, () => NOW, {}).close();
    // back to schema 5, with a session that carries an alert in its body
    const db = new Database(path.join(dir, DATABASE_FILE));
    db.exec(
      `DROP INDEX sessions_alert; DROP INDEX sessions_alert_running; ALTER TABLE sessions DROP COLUMN alert_key; UPDATE meta SET value = '5' WHERE key = 'schema_version'`
    );
    const s = storedSession('old', NOW, { tenant: 'blue', alert: alert('fp9') });
    db.prepare(`INSERT INTO sessions (id, body, status, created_ms) VALUES (?, ?, ?, ?)`).run(
      s.id,
      JSON.stringify(s),
      s.status,
      NOW
    );
    db.close();
    const store = new SqliteStore(dir, () => NOW, {});
    try {
      expect(store.listSessions({ alertKey: alertKey('blue', 'fp9') }).map((x) => x.id)).toEqual(['old']);
      expect(() => store.saveSession(storedSession('new', NOW, { tenant: 'blue', alert: alert('fp9') }))).toThrow(
        AlertSessionRunningError
      );
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
