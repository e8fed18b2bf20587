import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEFAULT_TENANT, TENANT_PATTERN, isRole, type Principal, type Role } from './roles';

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  tenant: string;
  createdAt: string;
  revokedAt?: string;
}

/**
 * API tokens, stored hashed: `kdbg_<id>_<secret>`. Only the hash of the secret is kept; the whole token
 * is shown once, when it is created. Every check reads the table, so a revocation takes effect on the
 * next request, on every replica that shares the table (SqliteTokenStore: one machine; PgTokenStore: all).
 */
export interface TokenStore {
  /** throws TokenError on a bad name, role or tenant */
  create(name: string, role: Role, tenant?: string): Promise<{ token: string; info: TokenInfo }>;
  /** the token's principal; undefined when it is malformed, unknown, revoked or its secret is wrong */
  verify(token: string): Promise<Principal | undefined>;
  /** oldest first; `tenant` undefined: every tenant */
  list(tenant?: string): Promise<TokenInfo[]>;
  /** Revokes a token of the given tenant (undefined: any tenant); false when there is no active one. */
  revoke(id: string, tenant?: string): Promise<boolean>;
  /** active tokens */
  count(): Promise<number>;
  close(): Promise<void>;
}

export class TokenError extends Error {}

/** A token as both tables store it. */
export interface TokenRow {
  id: string;
  name: string;
  role: Role;
  tenant: string;
  secret_hash: Buffer;
  created_ms: number;
  revoked_ms: number | null;
}

const PREFIX = 'kdbg';
const TOKEN_PATTERN = /^kdbg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** sha256 is enough: the secret is 32 random bytes, so there is nothing to brute-force. */
function hash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Checks what a caller asked for and mints the token: the row to insert and the one-time secret. */
export function mintToken(name: string, role: Role, tenant: string = DEFAULT_TENANT, nowMs = Date.now()): { token: string; row: TokenRow } {
  if (!isRole(role)) throw new TokenError(`role must be one of admin, debugger, viewer, ingest; got "${String(role)}"`);
  if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) throw new TokenError(`tenant must be 1-63 lowercase letters, digits, '.', '_' or '-'; got "${String(tenant)}"`);
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) throw new TokenError('name must be a non-empty string of at most 100 characters');
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { token: `${PREFIX}_${id}_${secret}`, row: { id, name: name.trim(), role, tenant, secret_hash: hash(secret), created_ms: nowMs, revoked_ms: null } };
}

/** The id to look up and the secret to check; undefined for anything that is not one of our tokens. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN_PATTERN.exec(token);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

/** The principal of a stored row, if it is active and the secret matches (in constant time). */
export function principalOf(row: Pick<TokenRow, 'id' | 'name' | 'role' | 'tenant' | 'secret_hash' | 'revoked_ms'> | undefined, secret: string): Principal | undefined {
  if (!row || row.revoked_ms !== null) return undefined;
  const given = hash(secret);
  if (row.secret_hash.length !== given.length || !timingSafeEqual(row.secret_hash, given)) return undefined;
  return { tokenId: row.id, name: row.name, role: row.role, tenant: row.tenant };
}

export function tokenInfo(r: Omit<TokenRow, 'secret_hash'>): TokenInfo {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    tenant: r.tenant,
    createdAt: new Date(r.created_ms).toISOString(),
    ...(r.revoked_ms !== null ? { revokedAt: new Date(r.revoked_ms).toISOString() } : {}),
  };
}
