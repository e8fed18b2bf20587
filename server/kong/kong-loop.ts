import type { EntityInfo, EntityList, KongGatewayHealth, Session, SessionTracing } from '../../common/api';
import type { SessionLifecycle } from '../sessions/manager';
import { TracingController } from './controller';
import { readEntities } from './entities';
import { GatewayRegistry, type GatewaySpec } from './gateways';
import type { KongStore } from './kong-store';
import type { ExportTarget } from './plugin-config';

export interface KongOptions {
  /** from --kong-admin-url (NAME=URL, repeatable) */
  gateways: GatewaySpec[];
  /** --kong-admin-token: Kong-Admin-Token header (Enterprise RBAC) */
  token?: string;
  /** --kong-workspace (Enterprise) */
  workspace?: string;
  /** the server's OTLP base URL as Kong reaches it (--kong-otlp-url; default: the receiver's own URL) */
  otlpUrl?: string;
  /** the ingest token Kong's plugin sends (--kong-ingest-token; default: --ingest-token) */
  ingestToken?: string;
  /** how often every replica reconciles Kong with the running sessions (default 10 s) */
  reconcileIntervalMs?: number;
  /** how long a session start waits for its set-up before answering (default 8 s) */
  startWaitMs?: number;
  /** how often Kong's entity lists are read again (default 60 s) */
  entityRefreshMs?: number;
  /** Admin API retries for transient failures (tests shorten them) */
  attempts?: number;
  backoffMs?: number;
  timeoutMs?: number;
}

/**
 * Kong in the loop, for one server (replica): the gateways' status, their entities in the database (read
 * periodically and on demand), and the tracing controller run at start-up, on session changes and periodically.
 */
export class KongLoop {
  readonly registry: GatewayRegistry;
  readonly controller: TracingController;
  private timers: NodeJS.Timeout[] = [];
  private pending?: Promise<unknown>;
  private again = false;
  private closed = false;
  /**
   * Sessions this replica saw end whose end may not be in the store yet: a trace cap is written with the ingest
   * batch that reached it, after the manager tells listeners. Kong must not wait for that write.
   */
  private readonly endedHere = new Set<string>();

  constructor(
    private readonly opts: KongOptions & { otlpUrl: string },
    readonly store: KongStore,
    listSessions: () => Promise<Session[]>,
    private readonly now: () => number = Date.now,
  ) {
    this.registry = new GatewayRegistry({ specs: opts.gateways, token: opts.token, workspace: opts.workspace, attempts: opts.attempts, backoffMs: opts.backoffMs, timeoutMs: opts.timeoutMs });
    const target: ExportTarget = { otlpUrl: opts.otlpUrl, ingestToken: opts.ingestToken };
    const sessions = async () => {
      const all = await listSessions();
      for (const s of all) if (s.status !== 'in_progress') this.endedHere.delete(s.id);
      return all.filter((s) => !this.endedHere.has(s.id));
    };
    this.controller = new TracingController({ store, gateways: this.registry, target, listSessions: sessions, now });
  }

  /** start-up: every gateway's `GET /` and entities, then a reconcile pass (undoes what ended while we were down) */
  async start(): Promise<void> {
    await Promise.all(this.registry.gateways.map((g) => g.refreshStatus(this.now())));
    await this.refreshEntities().catch(() => undefined);
    await this.reconcileNow().catch((e: Error) => process.stderr.write(`warning: Kong reconcile failed: ${e.message}\n`));
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => void fn().catch((e: Error) => process.stderr.write(`warning: ${e.message}\n`)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.reconcileIntervalMs ?? 10_000, async () => {
      // a gateway never read yet (Kong started after us, as in docker compose) is read at this faster pace
      if (this.registry.gateways.some((g) => !g.status.entitiesSyncedAt)) await this.refreshEntities(false);
      return this.reconcileSoon();
    });
    every(this.opts.entityRefreshMs ?? 60_000, () => this.refreshEntities(false));
  }

  /** reads every gateway's routes, services and consumers into the database; `force` = even if another replica just did */
  async refreshEntities(force = true): Promise<{ gateway: string; error?: string }[]> {
    const synced = await this.store.entitySyncTimes();
    const out: { gateway: string; error?: string }[] = [];
    for (const g of this.registry.gateways) {
      const last = synced.get(g.spec.name);
      if (!force && last !== undefined && this.now() - last < (this.opts.entityRefreshMs ?? 60_000) / 2) {
        g.status.entitiesSyncedAt = new Date(last).toISOString();
        continue;
      }
      try {
        const list = await readEntities(g);
        const t = this.now();
        await this.store.replaceEntities(g.spec.name, list, t);
        g.status.entitiesSyncedAt = new Date(t).toISOString();
        out.push({ gateway: g.spec.name });
      } catch (e) {
        g.status.error = `reading entities: ${(e as Error).message}`;
        out.push({ gateway: g.spec.name, error: (e as Error).message });
      }
    }
    return out;
  }

  /** a pass now, waiting for any other replica's; what session create awaits */
  async reconcileNow(): Promise<void> {
    await this.controller.reconcile(true);
  }

  /**
   * A new session waits for its set-up, but not for ever: a Kong that does not answer (timeouts, retries) must
   * not hold the creator's request. Past `ms` the pass goes on in the background and the session says so.
   */
  private async startedWithin(session: Session, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const pass = this.reconcileNow().then(() => true);
    const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    const done = await Promise.race([pass, late]).finally(() => clearTimeout(timer));
    if (done) return;
    pass.catch(() => undefined);
    if (!(await this.store.tracingOf([session.id])).has(session.id))
      await this.store.saveTracing(session.id, {
        mode: 'unmanaged',
        gateways: [],
        notCaptured: [],
        message: `Kong's Admin API is slow to answer: the tracing set-up continues in the background (look at the session again in a moment)`,
        updatedAt: new Date(this.now()).toISOString(),
      });
  }

  /** a pass soon, coalesced: session ends and the timer call it without waiting */
  reconcileSoon(): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    let ran = true;
    this.pending = this.controller
      .reconcile(false)
      .then((r) => {
        // another pass held the lock (here or on another replica) and may have read the sessions before this
        // change: try again shortly rather than wait for the periodic pass
        ran = r;
        if (!r) this.again = true;
      })
      .catch((e: Error) => process.stderr.write(`warning: Kong reconcile failed: ${e.message}\n`))
      .finally(() => {
        this.pending = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          const t = setTimeout(() => void this.reconcileSoon(), ran ? 0 : 500);
          t.unref();
        }
      });
    return this.pending;
  }

  /** what each gateway's Admin API last said (for /api/v1/health and serve's start-up output) */
  health(): KongGatewayHealth[] {
    return this.registry.gateways.map((g) => {
      const s = g.status;
      const h: KongGatewayHealth = { name: s.name, url: s.url, reachable: s.reachable };
      for (const k of ['workspace', 'version', 'database', 'role', 'tracingInstrumentations', 'tracingSamplingRate', 'readOnlyReason', 'error', 'checkedAt', 'entitiesSyncedAt'] as const)
        if (s[k] !== undefined) (h as unknown as Record<string, unknown>)[k] = s[k];
      return h;
    });
  }

  /** Kong's routes, services and consumers from the database: the same on every replica and after a restart */
  async entities(): Promise<EntityList> {
    const all = await this.store.listEntities();
    const pick = (kind: string): EntityInfo[] =>
      all
        .filter((e) => e.kind === kind)
        .map((e) => {
          const o: EntityInfo = { id: e.id, gateway: e.gateway };
          for (const k of ['name', 'paths', 'hosts', 'methods', 'expression', 'serviceId', 'tags'] as const) if (e[k] !== undefined) (o as unknown as Record<string, unknown>)[k] = e[k];
          return o;
        });
    return { routes: pick('route'), services: pick('service'), consumers: pick('consumer') };
  }

  /** the session manager's hooks: set-up before a new session is returned, undone soon after it ends */
  lifecycle(): SessionLifecycle {
    return {
      started: (session) => this.startedWithin(session, this.opts.startWaitMs ?? 8000),
      ended: (s) => {
        this.endedHere.add(s.id);
        void this.reconcileSoon();
      },
      deleted: async (id) => {
        await this.reconcileNow();
        await this.store.deleteTracing(id);
      },
      decorate: async (list) => {
        const t = await this.store.tracingOf(list.map((s) => s.id));
        return list.map((s) => (t.has(s.id) ? { ...s, tracing: t.get(s.id) } : s));
      },
    };
  }

  tracingOf(ids: string[]): Promise<Map<string, SessionTracing>> {
    return this.store.tracingOf(ids);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.pending;
  }
}

/** one line per gateway for serve's start-up output */
export function describeGateways(h: KongGatewayHealth[]): string[] {
  return h.map((g) => {
    if (!g.reachable || (g.error && !g.version)) return `  kong ${g.name.padEnd(9)}${g.url ?? ''}: NOT REACHABLE (${g.error ?? 'no answer'}); sessions run unmanaged there until it answers`;
    const tracing = `tracing_instrumentations=${g.tracingInstrumentations ?? '?'} tracing_sampling_rate=${g.tracingSamplingRate ?? '?'}`;
    const mode = g.readOnlyReason ? `UNMANAGED: ${g.readOnlyReason}` : 'managed: sessions switch tracing on and off';
    return `  kong ${g.name.padEnd(9)}${g.url ?? ''}${g.workspace ? ` (workspace ${g.workspace})` : ''}: Kong ${g.version}, database=${g.database}, ${tracing}; ${mode}`;
  });
}
