import { randomBytes } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { openPool } from '../store/pg-pool';

/** The machine's PostgreSQL (trust auth); TEST_DATABASE_URL overrides it. */
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty database for one test file, dropped by `drop()`. */
export async function createTestDatabase(prefix = 'kdbg_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * One test database for the file, and pools on it that stand for replicas (each its own pool, as each
 * server process has). Registers its own beforeAll/afterAll.
 */
export function replicaPools(): { url(): string; pool(): Pool } {
  let db: { url: string; drop(): Promise<void> } | undefined;
  const pools: Pool[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
    await db?.drop();
  });
  return {
    url: () => db!.url,
    pool() {
      const p = openPool(db!.url, 4);
      pools.push(p);
      return p;
    },
  };
}
