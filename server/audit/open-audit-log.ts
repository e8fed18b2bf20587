import type { Pool } from 'pg';
import type { AuditLog } from './audit';
import { PgAuditLog } from './audit-pg';
import { SqliteAuditLog } from './audit-sqlite';

/** The audit log of this deployment: the shared PostgreSQL database when there is one, else the local SQLite file. */
export async function openAuditLog(dataDir: string, pool?: Pool): Promise<AuditLog> {
  return pool ? PgAuditLog.open(pool) : new SqliteAuditLog(dataDir);
}
