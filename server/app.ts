import Fastify, { type FastifyInstance } from 'fastify';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { AlertIntake, type AlertIntakeOptions } from './alerts/intake';
import type { SignatureConfig } from './alerts/signature';
import { entityList } from './api/entities';
import { registerApiRoutes } from './api/routes';
import { openAuditLog } from './audit/open-audit-log';
import { tokensForFirstStart, type GeneratedToken } from './auth/bootstrap';
import { installAuth, type AuthConfig } from './auth/hooks';
import { openTokenStore } from './auth/open-token-store';
import { startDemo } from './demo-mode';
import { IngestPipeline, type PipelineOptions } from './ingest/pipeline';
import { redactionPolicy } from './ingest/redact';
import { otlpServerOptions, registerOtlpRoutes, type OtlpReceiverStats, type OtlpRouteOptions } from './otlp/receiver';
import type { OtlpLimits } from './otlp/limits';
import { answerAuthFailure } from './otlp/answers';
import { SessionManager } from './sessions/manager';
import { KongLoop, type KongOptions } from './kong/kong-loop';
import { LiveHub, type LiveOptions } from './live/hub';
import { openKongStore } from './kong/open-kong-store';
import { SqliteStore } from './store/sqlite';
import { PgStore } from './store/postgres';
import type { CheckpointStats } from './store/checkpointer';
import type { Store } from './store/types';
// Logs encrypted at rest (server/crypto).
import { LocalKeyProvider, type KeyProvider, type ProviderResolver } from './crypto';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require(path.join(__dirname, '..', 'package.json')).version;

export interface ServerOptions {
  /** REST API port (0 = any free port) */
  port?: number;
  /** OTLP/HTTP receiver port (0 = any free port) */
  otlpPort?: number;
  host?: string;
  dataDir: string;
  /**
   * PostgreSQL (`postgres://…`) instead of the embedded SQLite: several replicas on one database behave
   * as one server. The data dir then holds only the local key file (when no other key provider is set).
   */
  databaseUrl?: string;
  /** this replica's name on a shared database (default: host name and data dir) */
  replicaId?: string;
  /** keep traces and logs this many days (default 7) */
  retentionDays?: number;
  /** how often the retention purge runs (default hourly) */
  purgeIntervalMs?: number;
  /**
   * `tokens`: every REST and OTLP call needs a token (`kong-debugger token create`); `none`: nobody is
   * asked (local demo only). Default: `tokens` when `apiToken` is given, else `none`.
   */
  auth?: 'tokens' | 'none';
  /** a bootstrap admin token of the default tenant, accepted on the REST API besides the token table */
  apiToken?: string;
  /** a bootstrap ingest token of the default tenant, accepted on the OTLP receiver besides the token table */
  ingestToken?: string;
  /** a bootstrap debugger token of the default tenant (Grafana's data source), accepted on the REST API */
  debuggerToken?: string;
  /** with tokens on and an empty token table, create admin and ingest tokens (those not given) for `generatedTokens` */
  firstStartTokens?: boolean;
  /** largest OTLP request body, bytes */
  maxBodyBytes?: number;
  /** OTLP requests read, decoded or ingested at once; past it: 429 with Retry-After (default 64) */
  otlpMaxInFlightRequests?: number;
  /** OTLP body bytes (as sent and decompressed) in flight at once; past it: 429 with Retry-After (default 64 MiB) */
  otlpMaxInFlightBytes?: number;
  /** spans/records per request, attributes per item, attribute value length (defaults: DEFAULT_LIMITS) */
  otlpLimits?: Partial<OtlpLimits>;
  /** one client's (remote address) share of the OTLP requests in flight (default: half of otlpMaxInFlightRequests) */
  otlpMaxInFlightRequestsPerClient?: number;
  /** the rest of the receiver's options (per-client byte share, expected-wait bound, body stall limits; see receiver.ts) */
  otlpReceiver?: OtlpRouteOptions;
  /** feed the server with the demo gateway and open demo sessions */
  demo?: boolean | { ratePerSecond?: number };
  pipeline?: PipelineOptions;
  /** `serve --redact`: names to redact besides the defaults; `-name` turns a default off (server/ingest/redact.ts) */
  redact?: string[];
  /** fastify logger; false in tests */
  logger?: boolean;
  /**
   * KEK holder for log encryption at rest. Default: the server-managed key file in dataDir
   * (LocalKeyProvider). `false` stores logs in plaintext (tests only; never for real traffic).
   */
  keyProvider?: KeyProvider | ProviderResolver | false;
  /** Kong in the loop: the Admin APIs to read names from and switch tracing on and off with (server/kong) */
  kong?: KongOptions;
  /** alerts start sessions (server/alerts): the cap on alert sessions, their defaults, Grafana's webhook signature */
  alerts?: AlertIntakeOptions & {
    /** `--grafana-webhook-secret` and its headers: every Grafana webhook must then be signed */
    grafanaSignature?: SignatureConfig;
    /** the tenant of a signed Grafana webhook that carries no token (default: the default tenant) */
    grafanaTenant?: string;
  };
  /** live streams: caps on open streams, heartbeat and poll timings (server/live/hub.ts) */
  live?: LiveOptions;
}

export interface RunningServer {
  apiUrl: string;
  otlpUrl: string;
  store: Store;
  sessions: SessionManager;
  pipeline: IngestPipeline;
  /** Kong in the loop, when started with gateways */
  kong?: KongLoop;
  /** the OTLP receiver's admission counters */
  receiver: Readonly<OtlpReceiverStats>;
  /** tokens made on this first start (`firstStartTokens`), to be shown once; only their hashes are kept */
  generatedTokens: GeneratedToken[];
  /** runs the retention purge now */
  purge(): Promise<{ traces: number; logs: number; sessions: number }>;
  /** SQLite: the WAL checkpoint thread's counters (store/checkpointer.ts) */
  checkpoints?: () => CheckpointStats;
  close(): Promise<void>;
}

function urlOf(app: FastifyInstance, host: string): string {
  const addr = app.server.address() as AddressInfo;
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${addr.port}`;
}

async function openStore(opts: ServerOptions, keyProvider: KeyProvider | ProviderResolver | false): Promise<SqliteStore | PgStore> {
  const storeOpts = keyProvider ? { keyProvider } : {};
  if (opts.databaseUrl) {
    const replicaId = opts.replicaId ?? `${os.hostname()}:${path.resolve(opts.dataDir)}`;
    return PgStore.open(opts.databaseUrl, Date.now, { ...storeOpts, retentionDays: opts.retentionDays, replicaId });
  }
  const store = new SqliteStore(opts.dataDir, Date.now, storeOpts);
  // Rows from before encryption existed are encrypted now; a failing KMS leaves them readable and is retried next start.
  await store.sealLegacyLogs().catch((e: Error) => process.stderr.write(`warning: logs stored before encryption stay in plaintext for now: ${e.message}\n`));
  return store;
}

/** Starts the debugger: store, sessions, the OTLP receiver and the REST API (two listeners). */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const keyProvider = opts.keyProvider === undefined ? LocalKeyProvider.open(opts.dataDir) : opts.keyProvider;
  const opened = await openStore(opts, keyProvider);
  await opened.prepareKeys(); // the key of sealed waiting logs, before the pipeline restores them
  // From here on only the Store interface: engine features are its optional capabilities.
  const store: Store = opened;
  const sessions = new SessionManager(store);
  await sessions.init();
  sessions.start();
  const pipeline = new IngestPipeline(store, sessions, { ...opts.pipeline, redact: redactionPolicy(opts.redact) });
  // Live streams hear of stored rows and status changes here at once; their poll covers other replicas.
  const live = new LiveHub({ ...opts.live, shared: store.shared !== undefined });
  pipeline.onStored = (ids) => live.wake(ids);
  sessions.onChange = (s) => live.wake([s.id]);
  await pipeline.restore();
  // SQLite: WAL checkpoints every second on their own thread, off the ingest thread.
  const stopMaintenance = store.startMaintenance?.();
  const sweeper = setInterval(() => {
    pipeline.sweep();
    if (store.shared) void pipeline.adoptDecisions().catch((e: Error) => process.stderr.write(`warning: could not look up decisions of other replicas: ${e.message}\n`));
  }, 1000);
  sweeper.unref();

  const retentionMs = (opts.retentionDays ?? 7) * 86_400_000;
  const purge = async () => store.purge(Date.now() - retentionMs);
  await purge();
  const purger = setInterval(() => void purge().catch(() => undefined), opts.purgeIntervalMs ?? 3_600_000);
  purger.unref();

  const sharedPool = store.sharedPool;
  const authMode = opts.auth ?? (opts.apiToken ? 'tokens' : 'none');
  const tokens = authMode === 'tokens' ? await openTokenStore(opts.dataDir, sharedPool) : undefined;
  const auth: AuthConfig = { mode: authMode, tokens, staticToken: opts.apiToken, staticIngestToken: opts.ingestToken, staticDebuggerToken: opts.debuggerToken };
  const generatedTokens = tokens && opts.firstStartTokens ? await tokensForFirstStart(tokens, opts) : [];
  const audit = await openAuditLog(opts.dataDir, sharedPool);

  // Kong in the loop: its tables, then the gateways' status and entities and a first reconcile once the
  // receiver listens (the plugin set-up points Kong at it).
  const kongStore = opts.kong?.gateways.length ? await openKongStore(opts.dataDir, sharedPool) : undefined;
  let kong: KongLoop | undefined;

  const logger = opts.logger ?? false;
  const api = Fastify({ logger, bodyLimit: 1024 * 1024 });
  let receiverStats: Readonly<OtlpReceiverStats> | undefined;
  const alerts = new AlertIntake({ sessions, audit, entities: (tenant) => entityList({ pipeline, kong }, tenant) }, opts.alerts);
  registerApiRoutes(api, {
    alerts,
    alertWebhook: { signature: opts.alerts?.grafanaSignature, tenant: opts.alerts?.grafanaTenant },
    store,
    sessions,
    pipeline,
    version: VERSION,
    startedAtMs: Date.now(),
    auth,
    audit,
    live,
    receiver: () => receiverStats,
    get kong() {
      return kong;
    },
  });
  // Header and whole-request time bounds: a slow or stalled client holds a socket for a bounded time.
  const otlp = Fastify({ logger, ...otlpServerOptions() });
  // OTLP takes an `ingest` token in the Authorization header (Kong's opentelemetry plugin: config.headers).
  installAuth(otlp, auth, {
    require: 'ingest',
    // A google.rpc.Status in the request's encoding, as OTLP answers failures.
    onFailure: answerAuthFailure,
  });
  receiverStats = registerOtlpRoutes(otlp, pipeline, {
    ...opts.otlpReceiver,
    maxInFlightRequestsPerClient: opts.otlpMaxInFlightRequestsPerClient ?? opts.otlpReceiver?.maxInFlightRequestsPerClient,
    maxBodyBytes: opts.maxBodyBytes,
    limits: opts.otlpLimits,
    maxInFlightRequests: opts.otlpMaxInFlightRequests,
    maxInFlightBytes: opts.otlpMaxInFlightBytes,
  });

  await api.listen({ port: opts.port ?? 8080, host });
  await otlp.listen({ port: opts.otlpPort ?? 4318, host });
  const apiUrl = urlOf(api, host);
  const otlpUrl = urlOf(otlp, host);
  if (opts.kong && kongStore) {
    kong = new KongLoop({ ...opts.kong, otlpUrl: opts.kong.otlpUrl ?? otlpUrl, ingestToken: opts.kong.ingestToken ?? opts.ingestToken }, kongStore, async () => store.listSessions());
    sessions.lifecycle = kong.lifecycle();
    await kong.start();
  }

  let demo: { stop(): Promise<void> } | undefined;
  if (opts.demo) {
    // With tokens on, the demo gateway gets its own ingest token, as a real Kong would.
    const headers = tokens ? { authorization: `Bearer ${(await tokens.create('demo gateway', 'ingest')).token}` } : undefined;
    demo = await startDemo({
      otlpUrl,
      sessions,
      headers,
      ratePerSecond: typeof opts.demo === 'object' ? opts.demo.ratePerSecond : undefined,
    });
  }

  return {
    apiUrl,
    otlpUrl,
    store,
    sessions,
    pipeline,
    kong,
    receiver: receiverStats,
    generatedTokens,
    purge,
    checkpoints: stopMaintenance?.stats,
    async close() {
      await demo?.stop();
      await kong?.close();
      await kongStore?.close();
      clearInterval(sweeper);
      clearInterval(purger);
      sessions.stopTimer();
      await otlp.close();
      await api.close();
      await tokens?.close();
      await audit.close();
      await stopMaintenance?.();
      await store.close(); // last: on PostgreSQL the tokens and the audit log use its pool
    },
  };
}
