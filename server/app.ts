import Fastify, { type FastifyInstance } from 'fastify';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { registerApiRoutes } from './api/routes';
import { startDemo } from './demo-mode';
import { IngestPipeline, type PipelineOptions } from './ingest/pipeline';
import { registerOtlpRoutes } from './otlp/receiver';
import { SessionManager } from './sessions/manager';
import { SqliteStore } from './store/sqlite';
import type { Store } from './store/types';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require(path.join(__dirname, '..', 'package.json')).version;

export interface ServerOptions {
  /** REST API port (0 = any free port) */
  port?: number;
  /** OTLP/HTTP receiver port (0 = any free port) */
  otlpPort?: number;
  host?: string;
  dataDir: string;
  /** keep traces and logs this many days (default 7) */
  retentionDays?: number;
  /** how often the retention purge runs (default hourly) */
  purgeIntervalMs?: number;
  apiToken?: string;
  /** largest OTLP request body, bytes */
  maxBodyBytes?: number;
  /** feed the server with the demo gateway and open demo sessions */
  demo?: boolean | { ratePerSecond?: number };
  pipeline?: PipelineOptions;
  /** fastify logger; false in tests */
  logger?: boolean;
}

export interface RunningServer {
  apiUrl: string;
  otlpUrl: string;
  store: Store;
  sessions: SessionManager;
  pipeline: IngestPipeline;
  /** runs the retention purge now */
  purge(): Promise<{ traces: number; logs: number; sessions: number }>;
  close(): Promise<void>;
}

function urlOf(app: FastifyInstance, host: string): string {
  const addr = app.server.address() as AddressInfo;
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${addr.port}`;
}

/** Starts the debugger: store, sessions, the OTLP receiver and the REST API (two listeners). */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const store = new SqliteStore(opts.dataDir);
  const sessions = new SessionManager(store);
  await sessions.init();
  sessions.start();
  const pipeline = new IngestPipeline(store, sessions, opts.pipeline);
  await pipeline.restore();
  const sweeper = setInterval(() => pipeline.sweep(), 1000);
  sweeper.unref();

  const retentionMs = (opts.retentionDays ?? 7) * 86_400_000;
  const purge = async () => store.purge(Date.now() - retentionMs);
  await purge();
  const purger = setInterval(() => void purge().catch(() => undefined), opts.purgeIntervalMs ?? 3_600_000);
  purger.unref();

  const logger = opts.logger ?? false;
  const api = Fastify({ logger, bodyLimit: 1024 * 1024 });
  registerApiRoutes(api, { store, sessions, pipeline, version: VERSION, startedAtMs: Date.now(), apiToken: opts.apiToken });
  const otlp = Fastify({ logger });
  registerOtlpRoutes(otlp, pipeline, { maxBodyBytes: opts.maxBodyBytes });

  await api.listen({ port: opts.port ?? 8080, host });
  await otlp.listen({ port: opts.otlpPort ?? 4318, host });
  const apiUrl = urlOf(api, host);
  const otlpUrl = urlOf(otlp, host);

  let demo: { stop(): Promise<void> } | undefined;
  if (opts.demo) {
    demo = await startDemo({ otlpUrl, sessions, ratePerSecond: typeof opts.demo === 'object' ? opts.demo.ratePerSecond : undefined });
  }

  return {
    apiUrl,
    otlpUrl,
    store,
    sessions,
    pipeline,
    purge,
    async close() {
      await demo?.stop();
      clearInterval(sweeper);
      clearInterval(purger);
      sessions.stopTimer();
      await otlp.close();
      await api.close();
      await store.close();
    },
  };
}
