import type { Pool } from 'pg';
import { ensureTables } from '../store/pg-tables';
import type { Principal, Role } from './roles';
import { mintToken, parseToken, principalOf, tokenInfo, type TokenInfo, type TokenRow, type TokenStore } from './tokens';

const DDL = `CREATE TABLE IF NOT EXISTS tokens (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL,
  tenant text NOT NULL,
  secret_hash bytea NOT NULL,
  created_ms bigint NOT NULL,
  revoked_ms bigint
)`;

type PgRow = Omit<TokenRow, 'created_ms' | 'revoked_ms'> & { created_ms: number | string; revoked_ms: number | string | null };

/** bigint comes back as a string unless pg-pool.ts's parser is installed; Unix ms always fit a number. */
function fromPg(r: PgRow): TokenRow {
  return { ...r, created_ms: Number(r.created_ms), revoked_ms: r.revoked_ms === null ? null : Number(r.revoked_ms) };
}

/**
 * API tokens in the PostgreSQL database every replica shares: a token created on one replica works on
 * all, and a revoked one stops working on all at their next request (every check reads the table).
 * The pool belongs to the caller: close() leaves it open.
 */
export class PgTokenStore implements TokenStore {
  private constructor(private readonly pool: Pool) {}

  static async open(pool: Pool): Promise<PgTokenStore> {
    await ensureTables(pool, DDL);
    return new PgTokenStore(pool);
  }

  async create(name: string, role: Role, tenant?: string): Promise<{ token: string; info: TokenInfo }> {
    const { token, row } = mintToken(name, role, tenant);
    await this.pool.query(`INSERT INTO tokens (id, name, role, tenant, secret_hash, created_ms) VALUES ($1, $2, $3, $4, $5, $6)`, [
      row.id,
      row.name,
      row.role,
      row.tenant,
      row.secret_hash,
      row.created_ms,
    ]);
    return { token, info: tokenInfo(row) };
  }

  async verify(token: string): Promise<Principal | undefined> {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    const { rows } = await this.pool.query<PgRow>(`SELECT id, name, role, tenant, secret_hash, created_ms, revoked_ms FROM tokens WHERE id = $1`, [parsed.id]);
    return principalOf(rows[0] && fromPg(rows[0]), parsed.secret);
  }

  async list(tenant?: string): Promise<TokenInfo[]> {
    const { rows } =
      tenant === undefined
        ? await this.pool.query<PgRow>(`SELECT id, name, role, tenant, created_ms, revoked_ms FROM tokens ORDER BY created_ms, id`)
        : await this.pool.query<PgRow>(`SELECT id, name, role, tenant, created_ms, revoked_ms FROM tokens WHERE tenant = $1 ORDER BY created_ms, id`, [tenant]);
    return rows.map((r) => tokenInfo(fromPg(r)));
  }

  async revoke(id: string, tenant?: string): Promise<boolean> {
    const r =
      tenant === undefined
        ? await this.pool.query(`UPDATE tokens SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL`, [Date.now(), id])
        : await this.pool.query(`UPDATE tokens SET revoked_ms = $1 WHERE id = $2 AND tenant = $3 AND revoked_ms IS NULL`, [Date.now(), id, tenant]);
    return (r.rowCount ?? 0) > 0;
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string | number }>(`SELECT count(*) AS n FROM tokens WHERE revoked_ms IS NULL`);
    return Number(rows[0].n);
  }

  async close(): Promise<void> {
    // The pool is shared with the rest of the server; its owner ends it.
  }
}
