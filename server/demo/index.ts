/**
 * The demo gateway: Kong-shaped traffic (traces and logs, OSS and/or Enterprise dialect) sent
 * through the real OpenTelemetry JS SDK and OTLP/HTTP exporters to a debugger's receiver.
 *
 * Per request: pick a route + scenario, build its timeline (model.ts), render it as OSS or
 * Enterprise spans, plan its log records, then create the spans with explicit ids and times.
 */
import { DEMO_ROUTES } from './catalog';
import { planRequestLogs, planWorkerLog, PlannedLog } from './logs';
import { buildRequest, pickRequest } from './model';
import { GatewayNode, NodeDialect } from './node';
import { renderEnterprise } from './render-enterprise';
import { renderOss } from './render-oss';
import { Rng } from './rng';

export { DEMO_ROUTES };

export interface DemoOptions {
  otlpUrl: string; // base, e.g. http://127.0.0.1:4318
  ratePerSecond?: number; // requests per second, default 5
  dialect?: 'enterprise' | 'oss' | 'mixed'; // default 'mixed'
  protocol?: 'protobuf' | 'json'; // default 'protobuf' (what Kong sends)
  logs?: boolean; // default true
  seed?: number; // deterministic traffic for tests
  headers?: Record<string, string>;
}

export interface DemoGateway {
  stop(): Promise<void>;
  emitted(): { traces: number; logs: number };
  flush(): Promise<void>;
}

interface ResolvedOptions {
  otlpUrl: string;
  ratePerSecond: number;
  dialect: 'enterprise' | 'oss' | 'mixed';
  protocol: 'protobuf' | 'json';
  logs: boolean;
  seed: number;
  headers: Record<string, string>;
}

/** Validate up front: a bad option is a precise error, never a half-started gateway. */
export function resolveOptions(opts: DemoOptions): ResolvedOptions {
  if (!opts || typeof opts.otlpUrl !== 'string') throw new Error('demo: otlpUrl is required (e.g. http://127.0.0.1:4318)');
  let url: URL;
  try {
    url = new URL(opts.otlpUrl);
  } catch {
    throw new Error(`demo: otlpUrl is not a valid URL: ${JSON.stringify(opts.otlpUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`demo: otlpUrl must be http(s), got ${url.protocol}`);
  const rate = opts.ratePerSecond ?? 5;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 10000) {
    throw new Error(`demo: ratePerSecond must be a number in (0, 10000], got ${opts.ratePerSecond}`);
  }
  const dialect = opts.dialect ?? 'mixed';
  if (!['enterprise', 'oss', 'mixed'].includes(dialect)) throw new Error(`demo: dialect must be enterprise, oss or mixed, got ${dialect}`);
  const protocol = opts.protocol ?? 'protobuf';
  if (!['protobuf', 'json'].includes(protocol)) throw new Error(`demo: protocol must be protobuf or json, got ${protocol}`);
  if (opts.seed !== undefined && (typeof opts.seed !== 'number' || !Number.isFinite(opts.seed))) {
    throw new Error(`demo: seed must be a finite number, got ${opts.seed}`);
  }
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (typeof v !== 'string') throw new Error(`demo: header ${k} must be a string`);
  }
  return {
    otlpUrl: opts.otlpUrl,
    ratePerSecond: rate,
    dialect,
    protocol,
    logs: opts.logs ?? true,
    seed: opts.seed ?? Math.floor(Math.random() * 2 ** 32),
    headers: { ...(opts.headers ?? {}) },
  };
}

/** A running demo: one node per dialect in use, one seeded stream of requests. */
class DemoTraffic {
  private readonly rng: Rng;
  private readonly nodes: Partial<Record<NodeDialect, GatewayNode>> = {};
  readonly counts = { traces: 0, logs: 0 };

  constructor(private readonly o: ResolvedOptions) {
    this.rng = new Rng(o.seed);
    const dialects: NodeDialect[] = o.dialect === 'mixed' ? ['oss', 'enterprise'] : [o.dialect];
    for (const d of dialects) {
      this.nodes[d] = new GatewayNode({ dialect: d, otlpUrl: o.otlpUrl, protocol: o.protocol, logs: o.logs, headers: o.headers });
    }
  }

  /** Emit one request that ended at `endMs` (Kong exports in the log phase, after the response). */
  emitOne(endMs: number): string {
    const { route, scenario } = pickRequest(this.rng);
    const model = buildRequest(this.rng, route, scenario);
    const dialect: NodeDialect = this.o.dialect === 'mixed' ? (this.rng.chance(0.5) ? 'oss' : 'enterprise') : this.o.dialect;
    const rendered = dialect === 'oss' ? renderOss(model, this.rng) : renderEnterprise(model, this.rng);
    const logs: PlannedLog[] = [];
    if (this.rng.chance(0.05)) logs.push(planWorkerLog(this.rng)); // worker records go first
    logs.push(...planRequestLogs(model, rendered));
    // the root start has millisecond resolution (ngx.req.start_time())
    const startMs = Math.floor(endMs - model.end / 1e6) - 1;
    this.counts.logs += this.nodes[dialect]!.emit(rendered, this.o.logs ? logs : [], BigInt(startMs) * 1_000_000n);
    this.counts.traces += 1;
    return rendered.traceId;
  }

  async flush(): Promise<void> {
    await Promise.all(Object.values(this.nodes).map((n) => n!.flush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(Object.values(this.nodes).map((n) => n!.shutdown()));
  }

  /** A precise error when anything failed to reach the receiver, else undefined. */
  exportFailure(): string | undefined {
    for (const [dialect, node] of Object.entries(this.nodes)) {
      for (const [signal, st] of [['spans', node!.spanStats], ['log records', node!.logStats]] as const) {
        if (st.failedItems > 0) return `demo: ${st.failedItems} ${signal} of the ${dialect} node could not be exported to ${this.o.otlpUrl}: ${st.lastError}`;
      }
    }
    return undefined;
  }
}

const MAX_BURST = 1000;

export function startDemoGateway(opts: DemoOptions): DemoGateway {
  const o = resolveOptions(opts);
  const traffic = new DemoTraffic(o);
  const intervalMs = 1000 / o.ratePerSecond;
  // a fixed tick sends as many requests as are due, so high rates do not depend on timer precision
  const startedAt = Date.now();
  let sent = 0;
  let stopped = false;
  let lastError = '';
  const tick = () => {
    const due = Math.floor((Date.now() - startedAt) / intervalMs) + 1;
    // after a stall (suspended process), skip the backlog instead of bursting it
    if (due - sent > MAX_BURST) sent = due - MAX_BURST;
    while (sent < due) {
      sent++;
      try {
        traffic.emitOne(Date.now());
      } catch (e) {
        // a timer callback must not take the server down; say it once per distinct cause
        const msg = e instanceof Error ? e.message : String(e);
        if (msg !== lastError) process.stderr.write(`demo gateway: could not emit a request: ${msg}\n`);
        lastError = msg;
      }
    }
  };
  const timer = setInterval(tick, Math.max(10, Math.min(200, intervalMs)));
  tick();
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await traffic.shutdown();
    },
    emitted: () => ({ ...traffic.counts }),
    flush: () => traffic.flush(),
  };
}

/** Emit exactly n requests now (tests); resolves after export. */
export async function emitRequests(opts: DemoOptions, n: number): Promise<{ traceIds: string[] }> {
  if (!Number.isInteger(n) || n < 0) throw new Error(`demo: n must be a non-negative integer, got ${n}`);
  const o = resolveOptions(opts);
  const traffic = new DemoTraffic(o);
  const spacingMs = 1000 / o.ratePerSecond;
  const now = Date.now();
  const traceIds: string[] = [];
  let flushError: unknown;
  try {
    for (let i = 0; i < n; i++) traceIds.push(traffic.emitOne(now - (n - 1 - i) * spacingMs));
    // the batch processors reject a flush whose export failed; the stats below say what and where
    await traffic.flush().catch((e: unknown) => (flushError = e));
  } finally {
    await traffic.shutdown().catch((e: unknown) => (flushError ??= e));
  }
  const failure = traffic.exportFailure();
  if (failure) throw new Error(failure);
  if (flushError) throw new Error(`demo: export to ${o.otlpUrl} failed: ${flushError instanceof Error ? flushError.message : String(flushError)}`);
  return { traceIds };
}
