import type Database from 'better-sqlite3';
import type { Principal, Role } from './roles';
import { mintToken, parseToken, principalOf, tokenInfo, type TokenInfo, type TokenRow, type TokenStore } from './tokens';

type Checked = Pick<TokenRow, 'id' | 'name' | 'role' | 'tenant' | 'secret_hash' | 'revoked_ms'>;
import { openDatabase } from '../store/database';

/** API tokens in the server's SQLite file: one machine (its server and its CLI) shares them. */
export class SqliteTokenStore implements TokenStore {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir);
    this.db.exec(`CREATE TABLE IF NOT EXISTS tokens (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL,
      tenant TEXT NOT NULL,
      secret_hash BLOB NOT NULL,
      created_ms INTEGER NOT NULL,
      revoked_ms INTEGER
    )`);
  }

  async create(name: string, role: Role, tenant?: string): Promise<{ token: string; info: TokenInfo }> {
    const { token, row } = mintToken(name, role, tenant);
    this.db
      .prepare(`INSERT INTO tokens (id, name, role, tenant, secret_hash, created_ms) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(row.id, row.name, row.role, row.tenant, row.secret_hash, row.created_ms);
    return { token, info: tokenInfo(row) };
  }

  async verify(token: string): Promise<Principal | undefined> {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    const row = this.db.prepare(`SELECT id, name, role, tenant, secret_hash, revoked_ms FROM tokens WHERE id = ?`).get(parsed.id) as Checked | undefined;
    return principalOf(row, parsed.secret);
  }

  async list(tenant?: string): Promise<TokenInfo[]> {
    const rows = (
      tenant === undefined
        ? this.db.prepare(`SELECT id, name, role, tenant, created_ms, revoked_ms FROM tokens ORDER BY created_ms, id`).all()
        : this.db.prepare(`SELECT id, name, role, tenant, created_ms, revoked_ms FROM tokens WHERE tenant = ? ORDER BY created_ms, id`).all(tenant)
    ) as Array<Omit<TokenRow, 'secret_hash'>>;
    return rows.map(tokenInfo);
  }

  async revoke(id: string, tenant?: string): Promise<boolean> {
    const sql = tenant === undefined ? `UPDATE tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL` : `UPDATE tokens SET revoked_ms = ? WHERE id = ? AND tenant = ? AND revoked_ms IS NULL`;
    const args = tenant === undefined ? [Date.now(), id] : [Date.now(), id, tenant];
    return this.db.prepare(sql).run(...args).changes > 0;
  }

  async count(): Promise<number> {
    return (this.db.prepare(`SELECT count(*) AS n FROM tokens WHERE revoked_ms IS NULL`).get() as { n: number }).n;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
