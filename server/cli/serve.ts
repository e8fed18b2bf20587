import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import { startServer } from '../app';
import { checkGivenTokens } from '../auth/bootstrap';
import { tenantKeyResolver } from '../crypto/config';
import { RedactionConfigError, redactionPolicy } from '../ingest/redact';
import { describeGateways } from '../kong/kong-loop';
import { alertOptionsFrom, alertServeOptions } from './alert-options';
import { kongOptionsFrom, kongServeOptions } from './kong-options';
import { intArg, keyOptions, keyProviderOf, postgresUrlArg, redactUrl } from './options';

/** `--redact`, checked as it is parsed so a typo stops the start with the reason */
function redactArg(value: string, previous: string[] | undefined): string[] {
  const all = [...(previous ?? []), value];
  try {
    redactionPolicy(all);
  } catch (e) {
    if (e instanceof RedactionConfigError) throw new InvalidArgumentError(e.message.replace(/^--redact: /, ''));
    throw e;
  }
  return all;
}

/** `serve`: the debugger server, on SQLite or PostgreSQL, optionally fed by the demo gateway. */
export function addServeCommand(program: Command): void {
  alertServeOptions(kongServeOptions(keyOptions(program.command('serve'))))
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
    .addOption(new Option('--debugger-token <token>', "a bootstrap debugger token (default tenant) for the REST API: Grafana's data source token").env('KONG_DEBUGGER_DEBUGGER_TOKEN'))
    .addOption(new Option('--ingest-token <token>', 'a bootstrap ingest token (default tenant) for the OTLP receiver').env('KONG_DEBUGGER_INGEST_TOKEN'))
    .addOption(new Option('--otlp-max-in-flight-requests <n>', 'OTLP requests handled at once; more get 429 + Retry-After').env('KONG_DEBUGGER_OTLP_MAX_IN_FLIGHT_REQUESTS').argParser(intArg('--otlp-max-in-flight-requests', 1, 100_000)))
    .addOption(new Option('--otlp-max-in-flight-bytes <n>', 'OTLP body bytes handled at once; more get 429 + Retry-After').env('KONG_DEBUGGER_OTLP_MAX_IN_FLIGHT_BYTES').argParser(intArg('--otlp-max-in-flight-bytes', 1024, 2 ** 40)))
    .addOption(new Option('--otlp-max-in-flight-per-client <n>', "one client's (remote address) share of those requests (default: half); raise it behind a proxy").env('KONG_DEBUGGER_OTLP_MAX_IN_FLIGHT_PER_CLIENT').argParser(intArg('--otlp-max-in-flight-per-client', 1, 100_000)))
    .addOption(new Option('--live-max-streams <n>', 'live session streams (GET /sessions/{id}/stream) open at once on this server; more get 429 + Retry-After').env('KONG_DEBUGGER_LIVE_MAX_STREAMS').default(256).argParser(intArg('--live-max-streams', 1, 100_000)))
    .addOption(new Option('--live-max-streams-per-tenant <n>', "one tenant's share of those streams").env('KONG_DEBUGGER_LIVE_MAX_STREAMS_PER_TENANT').default(16).argParser(intArg('--live-max-streams-per-tenant', 1, 100_000)))
    .addOption(
      new Option('--redact <names>', 'also redact these attribute keys, header names and query parameters at ingest (comma list, repeatable); "-name" turns a default off, e.g. --redact x-tenant-key,-cookie')
        .env('KONG_DEBUGGER_REDACT')
        .argParser(redactArg),
    )
    .addOption(new Option('--demo', 'feed the server with the built-in demo gateway and open demo sessions').env('KONG_DEBUGGER_DEMO'))
    .addOption(new Option('--demo-rate <rps>', 'demo requests per second').default(5).argParser(intArg('--demo-rate', 1, 10000)))
    .action(async (o) => {
      const authMode = o.auth ?? (o.demo ? 'none' : 'tokens');
      // Before anything is opened: a weak bootstrap token stops the start with the reason.
      if (authMode === 'tokens') checkGivenTokens(o);
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
        otlpMaxInFlightRequestsPerClient: o.otlpMaxInFlightPerClient,
        apiToken: o.apiToken,
        debuggerToken: o.debuggerToken,
        ingestToken: o.ingestToken,
        firstStartTokens: true,
        redact: o.redact,
        live: { maxStreams: o.liveMaxStreams, maxStreamsPerTenant: o.liveMaxStreamsPerTenant },
        auth: authMode,
        demo: o.demo ? { ratePerSecond: o.demoRate } : false,
        kong: kongOptionsFrom(o),
        alerts: alertOptionsFrom(o),
      });
      const lines = [
        `kong-debugger listening`,
        `  REST API       ${server.apiUrl}/api/v1   (health: ${server.apiUrl}/api/v1/health)`,
        `  OTLP/HTTP      ${server.otlpUrl}/v1/traces and ${server.otlpUrl}/v1/logs`,
        o.databaseUrl
          ? `  data           PostgreSQL ${redactUrl(o.databaseUrl)} (day partitions, retention ${o.retentionDays} days)`
          : `  data           ${path.resolve(o.dataDir)} (SQLite, retention ${o.retentionDays} days)`,
        `  logs at rest   AES-256-GCM, per-session keys wrapped by ${keyProvider.description}${o.tenantKeys ? ` (tenants in ${o.tenantKeys}: their own keys)` : ''}`,
        `  redaction      SQL literals and ${redactionPolicy(o.redact).names.size} credential names in attributes, URLs and logs (--redact to change)`,
        authMode === 'tokens'
          ? `  auth           API tokens required (REST: admin/debugger/viewer; OTLP: ingest); create them with \`kong-debugger token create\``
          : `  auth           NONE: anyone who reaches these ports reads captured traffic and starts sessions (local demo only; use --auth tokens)`,
      ];
      if (server.kong) lines.push(...describeGateways(server.kong.health()));
      lines.push(
        `  alerts         ${server.apiUrl}/api/v1/alerts/grafana (${o.grafanaWebhookSecret ? 'HMAC signed' : 'bearer token'}) and /alerts/alertmanager start sessions; at most ${o.alertMaxSessions} at once`,
      );
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
      if (server.generatedTokens.length) {
        lines.push(
          `  first start    no token was given and the token table was empty, so these were made (tenant default).`,
          `                 They are shown only now; only their hashes are kept:`,
          ...server.generatedTokens.map((t) => `                 ${t.role.padEnd(8)} ${t.token}   (id ${t.id})`),
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
}
