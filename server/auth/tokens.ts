import type Database from 'better-sqlite3';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEFAULT_TENANT, TENANT_PATTERN, isRole, type Principal, type Role } from './roles';
import { openDatabase } from '../store/database';

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  tenant: string;
  createdAt: string;
  revokedAt?: string;
}

export class TokenError extends Error {}

const PREFIX = 'kdbg';

/** sha256 is enough: the secret is 32 random bytes, so there is nothing to brute-force. */
function hash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * API tokens, stored hashed in the server's database: `kdbg_<id>_<secret>`. Only the hash of the
 * secret is kept; the whole token is shown once, when it is created. Every check reads the table,
 * so a revocation takes effect on the next request, on every replica.
 */
export class TokenStore {
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

  create(name: string, role: Role, tenant: string = DEFAULT_TENANT): { token: string; info: TokenInfo } {
    if (!isRole(role)) throw new TokenError(`role must be one of admin, debugger, viewer, ingest; got "${String(role)}"`);
    if (!TENANT_PATTERN.test(tenant)) throw new TokenError(`tenant must be 1-63 lowercase letters, digits, '.', '_' or '-'; got "${tenant}"`);
    if (typeof name !== 'string' || name.trim() === '' || name.length > 100) throw new TokenError('name must be a non-empty string of at most 100 characters');
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const now = Date.now();
    this.db.prepare(`INSERT INTO tokens (id, name, role, tenant, secret_hash, created_ms) VALUES (?, ?, ?, ?, ?, ?)`).run(id, name.trim(), role, tenant, hash(secret), now);
    return { token: `${PREFIX}_${id}_${secret}`, info: { id, name: name.trim(), role, tenant, createdAt: new Date(now).toISOString() } };
  }

  verify(token: string): Principal | undefined {
    const m = /^kdbg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    const row = this.db.prepare(`SELECT id, name, role, tenant, secret_hash, revoked_ms FROM tokens WHERE id = ?`).get(m[1]) as
      | { id: string; name: string; role: Role; tenant: string; secret_hash: Buffer; revoked_ms: number | null }
      | undefined;
    if (!row || row.revoked_ms !== null) return undefined;
    if (!timingSafeEqual(row.secret_hash, hash(m[2]))) return undefined;
    return { tokenId: row.id, name: row.name, role: row.role, tenant: row.tenant };
  }

  list(tenant?: string): TokenInfo[] {
    const rows = (
      tenant === undefined
        ? this.db.prepare(`SELECT * FROM tokens ORDER BY created_ms, id`).all()
        : this.db.prepare(`SELECT * FROM tokens WHERE tenant = ? ORDER BY created_ms, id`).all(tenant)
    ) as Array<{ id: string; name: string; role: Role; tenant: string; created_ms: number; revoked_ms: number | null }>;
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role,
      tenant: r.tenant,
      createdAt: new Date(r.created_ms).toISOString(),
      ...(r.revoked_ms !== null ? { revokedAt: new Date(r.revoked_ms).toISOString() } : {}),
    }));
  }

  /** Revokes a token of the given tenant (undefined: any tenant); false when there is none. */
  revoke(id: string, tenant?: string): boolean {
    const sql = tenant === undefined ? `UPDATE tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL` : `UPDATE tokens SET revoked_ms = ? WHERE id = ? AND tenant = ? AND revoked_ms IS NULL`;
    const args = tenant === undefined ? [Date.now(), id] : [Date.now(), id, tenant];
    return this.db.prepare(sql).run(...args).changes > 0;
  }

  count(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM tokens WHERE revoked_ms IS NULL`).get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
