import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import { openTokenStore } from '../auth/open-token-store';
import { DEFAULT_TENANT, ROLES } from '../auth/roles';
import type { TokenStore } from '../auth/tokens';
import { isPostgresUrl, openPool } from '../store/pg-pool';
import { table } from './format';
import { print } from './options';

/** The token table the `token` commands work on: the shared PostgreSQL one with --database-url, else --data-dir's. */
async function withTokenStore(o: { dataDir: string; databaseUrl?: string }, use: (store: TokenStore) => Promise<void>): Promise<void> {
  if (o.databaseUrl && !isPostgresUrl(o.databaseUrl)) throw new InvalidArgumentError('--database-url (or DATABASE_URL) must be a postgres:// or postgresql:// URL');
  const pool = o.databaseUrl ? openPool(o.databaseUrl, 1) : undefined;
  try {
    const store = await openTokenStore(path.resolve(o.dataDir), pool);
    try {
      await use(store);
    } finally {
      await store.close();
    }
  } finally {
    await pool?.end();
  }
}

/** `token create|list|revoke`: on the server machine, straight on the token table. */
export function addTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens, managed on the server machine (writes the database in --data-dir, or the shared PostgreSQL one)');
  const dataDirOption = () => new Option('--data-dir <dir>', 'the server\'s data directory').env('KONG_DEBUGGER_DATA_DIR').default('./data');
  const databaseUrlOption = () => new Option('--database-url <url>', 'the PostgreSQL database the server replicas share (postgres://…); instead of --data-dir').env('DATABASE_URL');

  token
    .command('create')
    .description('create a token; it is printed once and only its hash is kept')
    .requiredOption('--name <name>', 'who or what uses it (e.g. grafana, kong-prod)')
    .addOption(new Option('--role <role>', 'admin, debugger, viewer or ingest').choices([...ROLES]).makeOptionMandatory())
    .option('--tenant <tenant>', 'team or Grafana org it belongs to', DEFAULT_TENANT)
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .option('--json', 'print JSON')
    .action((o) =>
      withTokenStore(o, async (store) => {
        const { token: secret, info } = await store.create(o.name, o.role, o.tenant);
        print(o.json, { ...info, token: secret }, () => `${secret}\n(id ${info.id}, role ${info.role}, tenant ${info.tenant}; shown only now)`);
      }),
    );

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--tenant <tenant>', 'only this tenant')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .option('--json', 'print JSON')
    .action((o) =>
      withTokenStore(o, async (store) => {
        const list = await store.list(o.tenant);
        print(o.json, { tokens: list }, () =>
          list.length === 0 ? 'no tokens' : table(['ID', 'NAME', 'ROLE', 'TENANT', 'CREATED', 'REVOKED'], list.map((t) => [t.id, t.name, t.role, t.tenant, t.createdAt, t.revokedAt ?? '-'])),
        );
      }),
    );

  token
    .command('revoke')
    .description('revoke a token at once, on every server that shares the database')
    .argument('<id>')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((id, o) =>
      withTokenStore(o, async (store) => {
        if (!(await store.revoke(id))) throw new InvalidArgumentError(`no active token with id "${id}"`);
        process.stdout.write(`revoked ${id}\n`);
      }),
    );
}
