import { Command, Option } from 'commander';
import path from 'node:path';
import { tenantKeyResolver } from '../crypto/config';
import { PgStore } from '../store/postgres';
import { SqliteStore } from '../store/sqlite';
import { keyOptions, keyProviderOf, postgresUrlArg } from './options';

/** `keys rotate`: a new key-encryption key for the log keys. */
export function addKeysCommands(program: Command): void {
  keyOptions(
    program
      .command('keys')
      .command('rotate')
      .description('rotate the key-encryption key and re-wrap every session data key (log rows are not rewritten); safe while the server runs')
      .addOption(new Option('--data-dir <dir>', 'where the database lives').env('KONG_DEBUGGER_DATA_DIR').default('./data'))
      .addOption(new Option('--database-url <url>', 'the shared PostgreSQL database instead (postgres://…)').env('DATABASE_URL').argParser(postgresUrlArg)),
  ).action(async (o) => {
    const dataDir = path.resolve(o.dataDir);
    const base = keyProviderOf(o, dataDir);
    const keyProvider = o.tenantKeys ? tenantKeyResolver(path.resolve(o.tenantKeys), base, dataDir) : base;
    const store = o.databaseUrl ? await PgStore.open(o.databaseUrl, Date.now, { keyProvider, poolSize: 2 }) : new SqliteStore(dataDir, Date.now, { keyProvider });
    try {
      const r = await store.keyring!.rotate();
      process.stdout.write(`re-wrapped ${r.rewrapped} session keys\n`);
      for (const f of r.failed) process.stderr.write(`session ${f.sessionId}: ${f.error}\n`);
      if (r.failed.length) process.exitCode = 1;
    } finally {
      await store.close();
    }
  });
}
