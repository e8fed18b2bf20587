import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { openPool } from '../store/pg-pool';
import { createTestDatabase } from '../testing/pg';
import { changeKey, type KongChange, type KongStore } from './kong-store';
import { PgKongStore } from './kong-store-pg';
import { SqliteKongStore } from './kong-store-sqlite';

/* The change journal on both stores: what stays open, and that undone changes do not pile up forever. */

const change = (scopeId: string, state: KongChange['state'], updatedMs: number): KongChange => ({
  key: changeKey('default', 'route', scopeId),
  gateway: 'default',
  scope: 'route',
  scopeId,
  pluginId: `plugin-${scopeId}`,
  prior: null,
  sessions: [],
  state,
  config: {},
  createdMs: updatedMs,
  updatedMs,
});

async function checkPruning(store: KongStore): Promise<void> {
  const day = 24 * 3600_000;
  const now = 10 * day;
  await store.putChange(change('old-reverted', 'reverted', now - 2 * day));
  await store.putChange(change('new-reverted', 'reverted', now - 1000));
  await store.putChange(change('old-applied', 'applied', now - 3 * day));
  await store.putChange(change('old-reverting', 'reverting', now - 3 * day));
  expect(await store.pruneReverted(now - day)).toBe(1);
  expect(await store.getChange(changeKey('default', 'route', 'old-reverted'))).toBeUndefined();
  expect(await store.getChange(changeKey('default', 'route', 'new-reverted'))).toMatchObject({ state: 'reverted' });
  // what may still be in Kong is never forgotten, however old
  expect((await store.openChanges()).map((c) => c.scopeId)).toEqual(['old-applied', 'old-reverting']);
  expect(await store.pruneReverted(now - day)).toBe(0);
}

describe('Kong change journal', () => {
  it('SQLite: forgets only changes reverted before the cut-off', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-kstore-'));
    const store = new SqliteKongStore(dir);
    try {
      await checkPruning(store);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: forgets only changes reverted before the cut-off', async () => {
    const db = await createTestDatabase();
    const pool: Pool = openPool(db.url, 2);
    try {
      const store = await PgKongStore.open(pool);
      await checkPruning(store);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});
