import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import type { CreateSessionRequest, EntityList, SamplingRule, Session, TraceList, ValidateExpressionResponse } from '../../common/api';
import { startServer } from '../app';
import { startDemoGateway } from '../demo';
import { DEFAULT_TENANT, ROLES } from '../auth/roles';
import { openTokenStore } from '../auth/open-token-store';
import type { TokenStore } from '../auth/tokens';
import { isPostgresUrl, openPool } from '../store/pg-pool';
import { ApiClient, ApiClientError } from './client';
import { formatTracing, kongOptionsFrom, kongServeOptions, resolveRefs } from './kong-options';
import { describeGateways } from '../kong/kong-loop';
import { formatSessions, formatTraces, formatValidation, table } from './format';
// Log encryption at rest: which KEK provider serve / keys rotate use (server/crypto/config.ts).
import { keyProviderFromConfig, tenantKeyResolver } from '../crypto/config';
import { SqliteStore } from '../store/sqlite';
import { PgStore } from '../store/postgres';

/** the key options shared by `serve` and `keys rotate`; no flag for the key itself (it would show in `ps`) */
function keyOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--kek-file <file>', 'customer key-encryption key: 32 raw bytes or their base64 (else env KONG_DEBUGGER_KEK, base64)').env('KONG_DEBUGGER_KEK_FILE'))
    .addOption(new Option('--vault-key <name>', 'use this HashiCorp Vault transit key as key-encryption key').env('KONG_DEBUGGER_VAULT_KEY'))
    .addOption(new Option('--vault-addr <url>', 'Vault address').env('VAULT_ADDR'))
    .addOption(new Option('--vault-token <token>', 'Vault token (prefer the env var)').env('VAULT_TOKEN'))
    .addOption(new Option('--vault-mount <path>', 'transit engine mount').env('KONG_DEBUGGER_VAULT_MOUNT').default('transit'))
    .addOption(new Option('--vault-namespace <ns>', 'Vault Enterprise namespace').env('VAULT_NAMESPACE'))
    .addOption(new Option('--tenant-keys <file>', 'JSON file: per-tenant customer-managed keys (kekFile, kekBase64 or vault*)').env('KONG_DEBUGGER_TENANT_KEYS'));
}

function keyProviderOf(o: Record<string, string | undefined>, dataDir: string) {
  return keyProviderFromConfig({
    dataDir,
    kekFile: o.kekFile,
    kekBase64: process.env.KONG_DEBUGGER_KEK || undefined,
    vaultKey: o.vaultKey,
    vaultAddr: o.vaultAddr,
    vaultToken: o.vaultToken,
    vaultMount: o.vaultMount,
    vaultNamespace: o.vaultNamespace,
  });
}

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function clientOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'debugger REST API').env('KONG_DEBUGGER_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token <token>', 'API token').env('KONG_DEBUGGER_API_TOKEN'))
    .option('--json', 'print the raw JSON answer');
}

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

function postgresUrlArg(v: string): string {
  if (!isPostgresUrl(v)) throw new InvalidArgumentError('must be a postgres:// or postgresql:// URL');
  return v;
}

/** the URL without its password, for printing */
function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function client(opts: { url: string; token?: string }): ApiClient {
  return new ApiClient(opts.url, opts.token);
}

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

export function buildCli(): Command {
  const program = new Command('kong-debugger')
    .description('Self-hosted debugger for Kong Gateway: debug sessions, sampling rules, traces and logs')
    .showHelpAfterError();

  kongServeOptions(keyOptions(program.command('serve')))
    .description('run the debugger server (OTLP/HTTP receiver + REST API) on the embedded SQLite store, or on PostgreSQL with --database-url')
    .addOption(new Option('--port <port>', 'REST API port').env('KONG_DEBUGGER_PORT').default(8080).argParser(intArg('--port', 0, 65535)))
    .addOption(new Option('--otlp-port <port>', 'OTLP/HTTP receiver port').env('KONG_DEBUGGER_OTLP_PORT').default(4318).argParser(intArg('--otlp-port', 0, 65535)))
    .addOption(new Option('--host <host>', 'address to listen on').env('KONG_DEBUGGER_HOST').default('127.0.0.1'))
    .addOption(new Option('--data-dir <dir>', 'where the database lives (with --database-url: only the local key file)').env('KONG_DEBUGGER_DATA_DIR').default('./data'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL (postgres://…) instead of the embedded SQLite: run several replicas on one database').env('DATABASE_URL').argParser(postgresUrlArg))
    .addOption(new Option('--replica-id <name>', "this replica's name on a shared database (default: host name and data dir)").env('KONG_DEBUGGER_REPLICA_ID'))
    .addOption(new Option('--retention-days <days>', 'keep traces and logs this many days').env('KONG_DEBUGGER_RETENTION_DAYS').default(7).argParser(intArg('--retention-days', 1, 3650)))
    .addOption(new Option('--auth <mode>', 'tokens: every call needs an API token; none: local demo only (default with --demo)').choices(['tokens', 'none']).env('KONG_DEBUGGER_AUTH'))
    .addOption(new Option('--api-token <token>', 'a bootstrap admin token (default tenant) for the REST API, besides `token create` ones').env('KONG_DEBUGGER_API_TOKEN'))
    .addOption(new Option('--ingest-token <token>', 'a bootstrap ingest token (default tenant) for the OTLP receiver').env('KONG_DEBUGGER_INGEST_TOKEN'))
    .addOption(new Option('--otlp-max-in-flight-requests <n>', 'OTLP requests handled at once; more get 429 + Retry-After').env('KONG_DEBUGGER_OTLP_MAX_IN_FLIGHT_REQUESTS').argParser(intArg('--otlp-max-in-flight-requests', 1, 100_000)))
    .addOption(new Option('--otlp-max-in-flight-bytes <n>', 'OTLP body bytes handled at once; more get 429 + Retry-After').env('KONG_DEBUGGER_OTLP_MAX_IN_FLIGHT_BYTES').argParser(intArg('--otlp-max-in-flight-bytes', 1024, 2 ** 40)))
    .addOption(new Option('--demo', 'feed the server with the built-in demo gateway and open demo sessions').env('KONG_DEBUGGER_DEMO'))
    .addOption(new Option('--demo-rate <rps>', 'demo requests per second').default(5).argParser(intArg('--demo-rate', 1, 10000)))
    .action(async (o) => {
      const keyProvider = keyProviderOf(o, path.resolve(o.dataDir));
      const server = await startServer({
        keyProvider: o.tenantKeys ? tenantKeyResolver(path.resolve(o.tenantKeys), keyProvider, path.resolve(o.dataDir)) : keyProvider,
        port: o.port,
        otlpPort: o.otlpPort,
        host: o.host,
        dataDir: path.resolve(o.dataDir),
        databaseUrl: o.databaseUrl,
        replicaId: o.replicaId,
        retentionDays: o.retentionDays,
        otlpMaxInFlightRequests: o.otlpMaxInFlightRequests,
        otlpMaxInFlightBytes: o.otlpMaxInFlightBytes,
        apiToken: o.apiToken,
        ingestToken: o.ingestToken,
        auth: o.auth ?? (o.demo ? 'none' : 'tokens'),
        demo: o.demo ? { ratePerSecond: o.demoRate } : false,
        kong: kongOptionsFrom(o),
      });
      const authMode = o.auth ?? (o.demo ? 'none' : 'tokens');
      const lines = [
        `kong-debugger listening`,
        `  REST API       ${server.apiUrl}/api/v1   (health: ${server.apiUrl}/api/v1/health)`,
        `  OTLP/HTTP      ${server.otlpUrl}/v1/traces and ${server.otlpUrl}/v1/logs`,
        o.databaseUrl
          ? `  data           PostgreSQL ${redactUrl(o.databaseUrl)} (day partitions, retention ${o.retentionDays} days)`
          : `  data           ${path.resolve(o.dataDir)} (SQLite, retention ${o.retentionDays} days)`,
        `  logs at rest   AES-256-GCM, per-session keys wrapped by ${keyProvider.description}${o.tenantKeys ? ` (tenants in ${o.tenantKeys}: their own keys)` : ''}`,
        authMode === 'tokens'
          ? `  auth           API tokens required (REST: admin/debugger/viewer; OTLP: ingest); create them with \`kong-debugger token create\``
          : `  auth           NONE: anyone who reaches these ports reads captured traffic and starts sessions (local demo only; use --auth tokens)`,
      ];
      if (server.kong) lines.push(...describeGateways(server.kong.health()));
      if (o.databaseUrl && keyProvider.description.startsWith('server-managed'))
        process.stderr.write(`note: replicas must share the log key: give each the same --key-file or KONG_DEBUGGER_KEK (or one data dir's key), or they cannot read each other's logs\n`);
      if (authMode === 'none') process.stderr.write('WARNING: kong-debugger runs WITHOUT authentication (--auth none). Never expose it beyond this machine.\n');
      if (o.demo) {
        lines.push(
          `  demo           gateway sending ${o.demoRate} req/s; sessions open:`,
          ...server.sessions.runningSessions().map((s) => `                 ${s.id}  ${s.name}`),
          `  look at        ${server.apiUrl}/api/v1/sessions  or  npx kong-debugger traces <session-id>`,
        );
      }
      process.stdout.write(lines.join('\n') + '\n');
      const shutdown = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });

  program
    .command('demo')
    .description('run only the demo gateway: Kong-shaped traces and logs sent over OTLP/HTTP to a debugger')
    .addOption(new Option('--otlp-url <url>', 'OTLP/HTTP base URL of the debugger').env('KONG_DEBUGGER_OTLP_URL').default('http://127.0.0.1:4318'))
    .option('--rate <rps>', 'requests per second', intArg('--rate', 1, 10000), 5)
    .addOption(new Option('--dialect <dialect>', 'which Kong to imitate').choices(['enterprise', 'oss', 'mixed']).default('mixed'))
    .addOption(new Option('--protocol <protocol>', 'OTLP encoding').choices(['protobuf', 'json']).default('protobuf'))
    .action(async (o) => {
      const gw = startDemoGateway({ otlpUrl: o.otlpUrl, ratePerSecond: o.rate, dialect: o.dialect, protocol: o.protocol });
      process.stdout.write(`demo gateway: ${o.rate} req/s (${o.dialect}, ${o.protocol}) → ${o.otlpUrl}\n`);
      const shutdown = async () => {
        await gw.stop();
        const e = gw.emitted();
        process.stdout.write(`sent ${e.traces} traces and ${e.logs} log records\n`);
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });

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

  const session = program.command('session').description('start, list, stop and delete debug sessions');

  clientOptions(
    session
      .command('start')
      .description('start a debug session; give --expression (advanced rule) or --route/--service ids (basic rule)')
      .option('--name <name>', 'session name')
      .option('-e, --expression <expr>', "advanced rule in Kong's expressions language, e.g. 'http.response.status_code >= 500'")
      .option('--route <name or id...>', 'basic rule: routes, by name (as Kong knows it) or id')
      .option('--service <name or id...>', 'basic rule: services, by name or id')
      .option('-d, --duration <seconds>', 'duration, 10 to 1800 seconds', intArg('--duration', 10, 1800), 300)
      .option('--max-traces <n>', 'stop after this many traces', intArg('--max-traces', 1, 100000), 200)
      .option('--capture-logs', 'also keep the logs of captured requests', false),
  ).action(async (o) => {
    let rule: SamplingRule;
    if (o.expression && (o.route || o.service)) throw new InvalidArgumentError('give either --expression or --route/--service, not both');
    if (o.expression) rule = { type: 'advanced', expression: o.expression };
    else if (o.route || o.service) {
      let list: Promise<EntityList> | undefined;
      const entities = () => (list ??= client(o).get<EntityList>('/api/v1/entities'));
      const [routeIds, serviceIds] = [await resolveRefs(o.route, 'routes', entities), await resolveRefs(o.service, 'services', entities)];
      rule = { type: 'basic', ...(routeIds ? { routeIds } : {}), ...(serviceIds ? { serviceIds } : {}) };
    }
    else throw new InvalidArgumentError('a sampling rule is required: --expression, --route or --service');
    const req: CreateSessionRequest = { rule, durationSeconds: o.duration, maxTraces: o.maxTraces, captureLogs: o.captureLogs, ...(o.name ? { name: o.name } : {}) };
    const s = await client(o).post<Session>('/api/v1/sessions', req);
    print(o.json, s, () => formatSessions([s]) + formatTracing(s));
  });

  clientOptions(session.command('list').description('list debug sessions, newest first')).action(async (o) => {
    const r = await client(o).get<{ sessions: Session[] }>('/api/v1/sessions');
    print(o.json, r, () => formatSessions(r.sessions));
  });

  clientOptions(session.command('stop').description('stop a running session (status cancelled)').argument('<id>')).action(async (id, o) => {
    const s = await client(o).post<Session>(`/api/v1/sessions/${encodeURIComponent(id)}/stop`, {});
    print(o.json, s, () => formatSessions([s]));
  });

  clientOptions(session.command('delete').description('delete a session with its traces and logs').argument('<id>')).action(async (id, o) => {
    await client(o).delete(`/api/v1/sessions/${encodeURIComponent(id)}`);
    print(o.json, { deleted: id }, () => `deleted ${id}`);
  });

  clientOptions(
    program
      .command('traces')
      .description("list a session's captured traces, newest first")
      .argument('<session-id>')
      .option('--status <status>', 'status code, class (5xx) or range (500-599)')
      .option('--method <method>')
      .option('--path <prefix>', 'request path prefix')
      .option('--min-duration <ms>', 'slower than this, in ms')
      .option('--errors', 'only errors')
      .option('--limit <n>', 'how many', intArg('--limit', 1, 1000), 20),
  ).action(async (id, o) => {
    const q = new URLSearchParams();
    if (o.status) q.set('status', o.status);
    if (o.method) q.set('method', o.method);
    if (o.path) q.set('path', o.path);
    if (o.minDuration) q.set('minDurationMs', o.minDuration);
    if (o.errors) q.set('errorsOnly', 'true');
    q.set('limit', String(o.limit));
    const r = await client(o).get<TraceList>(`/api/v1/sessions/${encodeURIComponent(id)}/traces?${q}`);
    print(o.json, r, () => formatTraces(r.traces));
  });

  clientOptions(program.command('validate').description('check a sampling rule against the server').argument('<expression>')).action(async (expr, o) => {
    const r = await client(o).post<ValidateExpressionResponse>('/api/v1/expressions/validate', { expression: expr });
    print(o.json, r, () => formatValidation(expr, r));
    if (!r.valid) process.exitCode = 1;
  });

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

  return program;
}

/** Runs the CLI on process.argv; exits 1 with the server's message on failure. */
export function main(argv: string[] = process.argv): Promise<void> {
  return buildCli()
    .parseAsync(argv)
    .then(() => undefined)
    .catch((err: unknown) => {
      const message = err instanceof ApiClientError || err instanceof InvalidArgumentError || err instanceof Error ? err.message : String(err);
      process.stderr.write(`error: ${message}\n`);
      process.exit(1);
    });
}
