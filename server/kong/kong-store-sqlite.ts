import type Database from 'better-sqlite3';
import type { SessionTracing } from '../../common/api';
import { openDatabase } from '../store/database';
import { ENTITY_COLUMNS, changeValues, entityRow, type KongChange, type KongEntity, type KongStore } from './kong-store';

/** Kong's entities, the change journal and tracing records in the server's SQLite file (tables of their own). */
export class SqliteKongStore implements KongStore {
  private readonly db: Database.Database;
  private lock: Promise<unknown> = Promise.resolve();
  private locked = false;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir);
    this.db.exec(`CREATE TABLE IF NOT EXISTS kong_entities (
      gateway TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, name TEXT, body TEXT NOT NULL, synced_ms INTEGER NOT NULL,
      PRIMARY KEY (gateway, kind, id)
    );
    CREATE TABLE IF NOT EXISTS kong_changes (key TEXT PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL, updated_ms INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS kong_session_tracing (session_id TEXT PRIMARY KEY, body TEXT NOT NULL);`);
  }

  async replaceEntities(gateway: string, entities: KongEntity[], nowMs: number): Promise<void> {
    const ins = this.db.prepare(`INSERT OR REPLACE INTO kong_entities (${ENTITY_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM kong_entities WHERE gateway = ?').run(gateway);
      for (const e of entities) ins.run(...entityRow(e, nowMs));
      // an empty gateway still records when it was read
      if (entities.length === 0) ins.run(gateway, 'sync', '', null, '{}', nowMs);
    })();
  }

  async listEntities(): Promise<KongEntity[]> {
    const rows = this.db.prepare(`SELECT body FROM kong_entities WHERE kind != 'sync' ORDER BY gateway, kind, name, id`).all() as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as KongEntity);
  }

  async entitySyncTimes(): Promise<Map<string, number>> {
    const rows = this.db.prepare('SELECT gateway, MAX(synced_ms) AS t FROM kong_entities GROUP BY gateway').all() as Array<{ gateway: string; t: number }>;
    return new Map(rows.map((r) => [r.gateway, r.t]));
  }

  async getChange(key: string): Promise<KongChange | undefined> {
    const r = this.db.prepare('SELECT body FROM kong_changes WHERE key = ?').get(key) as { body: string } | undefined;
    return r ? (JSON.parse(r.body) as KongChange) : undefined;
  }

  async openChanges(): Promise<KongChange[]> {
    const rows = this.db.prepare(`SELECT body FROM kong_changes WHERE state != 'reverted' ORDER BY key`).all() as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as KongChange);
  }

  async putChange(c: KongChange): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO kong_changes (key, state, body, updated_ms) VALUES (?, ?, ?, ?)').run(...changeValues(c));
  }

  async pruneReverted(beforeMs: number): Promise<number> {
    return this.db.prepare(`DELETE FROM kong_changes WHERE state = 'reverted' AND updated_ms < ?`).run(beforeMs).changes;
  }

  async saveTracing(sessionId: string, t: SessionTracing): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO kong_session_tracing (session_id, body) VALUES (?, ?)').run(sessionId, JSON.stringify(t));
  }

  async tracingOf(ids: string[]): Promise<Map<string, SessionTracing>> {
    const out = new Map<string, SessionTracing>();
    const get = this.db.prepare('SELECT body FROM kong_session_tracing WHERE session_id = ?');
    for (const id of ids) {
      const r = get.get(id) as { body: string } | undefined;
      if (r) out.set(id, JSON.parse(r.body) as SessionTracing);
    }
    return out;
  }

  async deleteTracing(sessionId: string): Promise<void> {
    this.db.prepare('DELETE FROM kong_session_tracing WHERE session_id = ?').run(sessionId);
  }

  /** one server per SQLite file: an in-process queue is the lock */
  async exclusive<T>(fn: () => Promise<T>, wait: boolean): Promise<T | undefined> {
    if (!wait && this.locked) return undefined;
    const run = this.lock.then(async () => {
      this.locked = true;
      try {
        return await fn();
      } finally {
        this.locked = false;
      }
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.lock;
    this.db.close();
  }
}
