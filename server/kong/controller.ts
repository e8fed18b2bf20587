import { randomUUID } from 'node:crypto';
import type { Session, SessionTracing, TracingMode } from '../../common/api';
import { KongAdminError } from './admin-client';
import type { Gateway, GatewayRegistry } from './gateways';
import { versionAtLeast } from './gateways';
import type { KongChange, KongEntity, KongPlugin, KongStore } from './kong-store';
import { planScopes, type DesiredScope, type SessionPlan } from './plan';
import { DEBUGGER_TAG, atScope, manualYaml, ourTags, pluginConfig, satisfies, type ExportTarget } from './plugin-config';

/** what happened to one desired scope in a pass */
interface ScopeResult {
  applied: boolean;
  reason?: string;
  /** a plugin that was there before and now exports to us (restored afterwards) */
  patchedExisting?: boolean;
}

/** how long the journal keeps a change after it was undone */
export const REVERTED_KEPT_MS = 24 * 3600_000;

export interface ControllerDeps {
  store: KongStore;
  gateways: GatewayRegistry;
  target: ExportTarget;
  /** every session the server knows (the store's truth, shared by replicas) */
  listSessions: () => Promise<Session[]>;
  now?: () => number;
  /** how old a gateway's `GET /` may be before a pass reads it again (default 30 s) */
  statusMaxAgeMs?: number;
}

const WIDTH: Record<TracingMode, number> = { unmanaged: 0, 'route-scoped': 1, 'service-scoped': 2, global: 3 };

/**
 * Turns Kong's tracing on for running sessions and off after them. Level-triggered: each pass computes the
 * opentelemetry plugin set-up the running sessions need (plan.ts), compares it with the change journal and
 * Kong's plugins, and applies or undoes the difference. So the same pass serves a session start, a session end
 * (stopped, timed out, cap, deleted), a restart after a crash (kill -9), another replica's changes, and Kong
 * coming back after an outage. Every change is journalled before it is made (KongChange), and passes never
 * interleave across replicas (KongStore.exclusive).
 */
export class TracingController {
  private readonly now: () => number;
  constructor(private readonly deps: ControllerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** one pass; `wait`: wait for another replica's pass to finish instead of skipping */
  async reconcile(wait = true): Promise<boolean> {
    const r = await this.deps.store.exclusive(() => this.pass(), wait);
    return r !== undefined;
  }

  private async pass(): Promise<true> {
    const { store, gateways } = this.deps;
    const nowMs = this.now();
    const all = await this.deps.listSessions();
    // A session past its end is over for Kong even before the session tick marks it timed out.
    const running = all.filter((s) => s.status === 'in_progress' && Date.parse(s.endsAt ?? s.createdAt) > nowMs);
    const entities = await store.listEntities();
    const { scopes, plans } = planScopes(running, entities, gateways.gateways.map((g) => g.spec.name));
    const open = await store.openChanges();
    const results = new Map<string, ScopeResult>();
    const foreign = new Map<string, string[]>(); // gateway → narrower opentelemetry plugins not ours
    for (const g of gateways.gateways) {
      const wanted = [...scopes.values()].filter((d) => d.gateway === g.spec.name);
      const mine = open.filter((c) => c.gateway === g.spec.name);
      if (wanted.length === 0 && mine.length === 0) {
        await this.sweepOrphans(g, nowMs);
        continue;
      }
      const fail = (reason: string) => wanted.forEach((d) => results.set(d.key, { applied: false, reason }));
      const st = await this.freshStatus(g, nowMs);
      if (!st.reachable) {
        fail(`${st.error ?? `Kong "${g.spec.name}" is unreachable`}; retrying`);
        continue;
      }
      if (st.readOnlyReason) {
        fail(st.readOnlyReason);
        continue;
      }
      let plugins: KongPlugin[];
      try {
        plugins = await g.client.list<KongPlugin>('/plugins');
      } catch (e) {
        fail(this.reasonOf(g, e));
        continue;
      }
      foreign.set(g.spec.name, foreignNarrower(plugins, entities, g.spec.name));
      for (const d of wanted) results.set(d.key, await this.apply(g, d, plugins, mine.find((c) => c.key === d.key)));
      for (const c of mine) if (!scopes.has(c.key)) await this.revert(g, c, plugins);
    }
    for (const p of plans) {
      const s = running.find((x) => x.id === p.sessionId)!;
      const tracing = this.summarize(s, p, scopes, results, entities, foreign);
      const prev = (await store.tracingOf([s.id])).get(s.id);
      if (!prev || JSON.stringify({ ...prev, updatedAt: '' }) !== JSON.stringify({ ...tracing, updatedAt: '' })) await store.saveTracing(s.id, tracing);
    }
    // A reverted change stays a day for whoever reads the journal after an incident, then goes.
    await store.pruneReverted(nowMs - REVERTED_KEPT_MS);
    return true;
  }

  private async freshStatus(g: Gateway, nowMs: number) {
    const age = g.status.checkedAt ? nowMs - Date.parse(g.status.checkedAt) : Infinity;
    if (!g.status.reachable || g.status.error || age > (this.deps.statusMaxAgeMs ?? 30_000)) await g.refreshStatus(nowMs);
    return g.status;
  }

  private reasonOf(g: Gateway, e: unknown): string {
    const err = e as KongAdminError;
    if (!(err instanceof KongAdminError)) throw e;
    if (err.kind === 'read_only') return `Kong "${g.spec.name}" refuses writes (405: DB-less or a data plane): ${err.body?.message ?? err.message}; add the plugin to its declarative configuration`;
    if (err.kind === 'unauthorized') return `Kong "${g.spec.name}" refused the Admin API token (401): give --kong-admin-token (Kong-Admin-Token) of a user allowed to manage plugins`;
    if (err.kind === 'forbidden') return `the Admin API token may not manage plugins on Kong "${g.spec.name}" (403): grant it write access to /plugins, /routes/*/plugins, /services/*/plugins`;
    if (err.transient) return `${err.message}; retrying`;
    return err.message;
  }

  /** makes Kong hold our set-up at `d`'s scope, journalling first; never throws for Kong's answers */
  private async apply(g: Gateway, d: DesiredScope, plugins: KongPlugin[], journalled: KongChange | undefined): Promise<ScopeResult> {
    const { store } = this.deps;
    const config = pluginConfig(d, g.status.version, this.deps.target);
    const current = plugins.find((p) => atScope(p, d.scope, d.scopeId));
    const nowMs = this.now();
    let row: KongChange;
    if (journalled) {
      row = { ...journalled, sessions: d.sessions, config, updatedMs: nowMs };
    } else {
      // The first change at this scope: what is there now is what to restore. A plugin tagged by us with no
      // open journal row is a leftover of ours (its undo was interrupted): it is removed at the end, not kept.
      const prior = current && !(current.tags ?? []).includes(DEBUGGER_TAG) ? current : null;
      row = { key: d.key, gateway: d.gateway, scope: d.scope, scopeId: d.scopeId, pluginId: current?.id ?? randomUUID(), prior, sessions: d.sessions, state: 'applying', config, createdMs: nowMs, updatedMs: nowMs };
    }
    // Nothing to do (the usual periodic pass): no write to the journal or to Kong.
    const tags0 = ourTags(d.sessions, row.prior?.tags);
    if (journalled?.state === 'applied' && current?.id === row.pluginId && satisfies(current, config, tags0) && journalled.sessions.join() === d.sessions.join())
      return { applied: true, patchedExisting: row.prior !== null };
    try {
      for (let attempt = 0; ; attempt++) {
        const tags = ourTags(d.sessions, row.prior?.tags);
        const here = attempt === 0 ? current : (await g.client.list<KongPlugin>('/plugins')).find((p) => atScope(p, d.scope, d.scopeId));
        if (here && here.id !== row.pluginId) {
          // Someone put an opentelemetry plugin at this scope since we planned (Kong allows one): patch theirs.
          if (row.prior === null && !(here.tags ?? []).includes(DEBUGGER_TAG)) row = { ...row, prior: here, pluginId: here.id };
          else row = { ...row, pluginId: here.id };
        }
        const fresh = here && here.id === row.pluginId ? here : undefined;
        row = { ...row, state: 'applying' };
        await store.putChange(row); // before the change
        try {
          if (fresh) {
            if (!satisfies(fresh, config, tags)) await g.client.patch(`/plugins/${row.pluginId}`, { enabled: true, config, tags });
          } else {
            const at = d.scope === 'route' ? `/routes/${d.scopeId}` : d.scope === 'service' ? `/services/${d.scopeId}` : '';
            await g.client.post(`${at}/plugins`, { id: row.pluginId, name: 'opentelemetry', enabled: true, config, tags });
          }
        } catch (e) {
          // 409: another writer got to this scope first; read again and patch what is there (once).
          // 400 primary key violation (code 3): our own create went through but its answer was lost; read again.
          if (e instanceof KongAdminError && (e.kind === 'conflict' || e.body?.code === 3) && attempt === 0) continue;
          throw e;
        }
        break;
      }
      row = { ...row, state: 'applied', error: undefined, updatedMs: this.now() };
      await store.putChange(row);
      return { applied: true, patchedExisting: row.prior !== null };
    } catch (e) {
      const reason = this.reasonOf(g, e);
      if (row.state === 'applying') await store.putChange({ ...row, error: reason });
      return { applied: false, reason };
    }
  }

  /**
   * Plugins of ours that no journal row accounts for (the database was replaced or restored from an older
   * backup): found by our tag (`GET /plugins?tags=kong-debugger`, one request) and deleted when nothing but our
   * tags is on them, i.e. we created them. A plugin we patched keeps its own tags too and cannot be restored
   * without its journal: it is left alone and reported.
   */
  private async sweepOrphans(g: Gateway, nowMs: number): Promise<void> {
    const st = await this.freshStatus(g, nowMs);
    if (!st.reachable || st.readOnlyReason) return;
    try {
      for (const p of await g.client.list<KongPlugin>(`/plugins?tags=${DEBUGGER_TAG}`)) {
        const tags = p.tags ?? [];
        if (tags.every((t) => t === DEBUGGER_TAG || t.startsWith('session:'))) await g.client.delete(`/plugins/${p.id}`).catch((e) => ignoreNotFound(e));
        else process.stderr.write(`warning: Kong "${g.spec.name}" plugin ${p.id} carries the ${DEBUGGER_TAG} tag but no journal entry says how to restore it; left as it is\n`);
      }
    } catch {
      // the next pass tries again
    }
  }

  /** puts the scope back as it was before the first change: delete ours, or restore the plugin that was there */
  private async revert(g: Gateway, c: KongChange, plugins: KongPlugin[]): Promise<void> {
    const { store } = this.deps;
    const reverting: KongChange = { ...c, state: 'reverting', updatedMs: this.now() };
    await store.putChange(reverting);
    try {
      const current = plugins.find((p) => p.id === c.pluginId);
      if (c.prior === null) {
        if (current) await g.client.delete(`/plugins/${c.pluginId}`).catch((e) => ignoreNotFound(e));
      } else if (current) {
        // The full previous config (Kong answers every field, nulls included), enabled and tags: exactly as before.
        await g.client.patch(`/plugins/${c.pluginId}`, { enabled: c.prior.enabled ?? true, config: c.prior.config, tags: c.prior.tags ?? null });
      }
      // Leftovers of ours at this scope under another id (an interrupted undo): removed too.
      for (const p of plugins) {
        if (p.id !== c.pluginId && atScope(p, c.scope, c.scopeId) && (p.tags ?? []).includes(DEBUGGER_TAG) && (p.tags ?? []).every((t) => t === DEBUGGER_TAG || t.startsWith('session:')))
          await g.client.delete(`/plugins/${p.id}`).catch((e) => ignoreNotFound(e));
      }
      await store.putChange({ ...reverting, state: 'reverted', error: undefined, updatedMs: this.now() });
    } catch (e) {
      await store.putChange({ ...reverting, error: this.reasonOf(g, e) });
    }
  }

  private summarize(
    s: Session,
    p: SessionPlan,
    scopes: Map<string, DesiredScope>,
    results: Map<string, ScopeResult>,
    entities: KongEntity[],
    foreign: Map<string, string[]>,
  ): SessionTracing {
    const nameOf = (kind: string, gw: string, id: string) => entities.find((e) => e.kind === kind && e.gateway === gw && e.id === id)?.name;
    const byGateway = new Map<string, SessionTracing['gateways'][number]>();
    const notCaptured: string[] = [];
    const reasons: string[] = [];
    for (const g of this.deps.gateways.gateways) {
      const keys = p.scopes.filter((k) => scopes.get(k)!.gateway === g.spec.name);
      if (keys.length === 0) continue;
      const applied = keys.filter((k) => results.get(k)?.applied);
      const failed = keys.map((k) => results.get(k)).filter((r) => r && !r.applied);
      const mode: TracingMode = applied.length === 0 ? 'unmanaged' : p.global ? 'global' : applied.some((k) => scopes.get(k)!.scope === 'service') ? 'service-scoped' : 'route-scoped';
      const reason = failed[0]?.reason ?? (applied.length === 0 ? `not applied yet on Kong "${g.spec.name}"` : undefined);
      if (reason) reasons.push(reason);
      byGateway.set(g.spec.name, {
        gateway: g.spec.name,
        mode,
        scopes: applied.map((k) => {
          const d = scopes.get(k)!;
          return d.scope === 'global' ? { scope: 'global' as const } : { scope: d.scope, id: d.scopeId, ...(nameOf(d.scope, d.gateway, d.scopeId) ? { name: nameOf(d.scope, d.gateway, d.scopeId) } : {}) };
        }),
        ...(reason ? { reason } : {}),
      });
      const st = g.status;
      const rate = st.tracingSamplingRate ?? 0.01;
      if (applied.length) {
        if (st.tracingInstrumentations === 'off' || st.tracingInstrumentations === '')
          notCaptured.push(`everything on Kong "${g.spec.name}": it makes no spans (kong.conf tracing_instrumentations = off); set tracing_instrumentations = all and restart it`);
        if (!versionAtLeast(st.version, 3, 6)) notCaptured.push(`Kong "${g.spec.name}" ${st.version ?? ''} has no per-plugin sampling_rate (3.6+): its requests are traced at kong.conf tracing_sampling_rate (${rate})`);
        notCaptured.push(
          `requests ended by a plugin that runs before opentelemetry (priority above 14: authentication 401/403, rate limiting 429, request-termination …) on Kong "${g.spec.name}": the plugin's sampling_rate applies only when its access handler runs, so these are exported at kong.conf tracing_sampling_rate (${rate})`,
        );
        if (p.global) {
          notCaptured.push(`requests matching no route (404) on Kong "${g.spec.name}": only global plugins' later phases run for them, so they are exported at tracing_sampling_rate (${rate})`);
          for (const f of foreign.get(g.spec.name) ?? []) notCaptured.push(`${f} has its own opentelemetry plugin, which takes precedence over the global one: its requests are exported where that plugin sends them`);
        }
        for (const k of applied)
          if (results.get(k)?.patchedExisting) {
            const d = scopes.get(k)!;
            notCaptured.push(`(note) the ${d.scope === 'global' ? 'global' : `${d.scope} ${nameOf(d.scope, d.gateway, d.scopeId) ?? d.scopeId}`} opentelemetry plugin that was already there exports to the debugger during the session and is restored afterwards`);
          }
      }
    }
    for (const id of p.unknown) notCaptured.push(`id ${id} is not a route or service any configured Kong lists: its traffic is caught only if Kong already exports traces carrying that id`);
    const gws = [...byGateway.values()];
    const mode = gws.reduce<TracingMode>((m, g) => (WIDTH[g.mode] > WIDTH[m] ? g.mode : m), 'unmanaged');
    const out: SessionTracing = { mode, gateways: gws, notCaptured, updatedAt: new Date(this.now()).toISOString() };
    if (gws.length === 0 && p.unknown.length) {
      reasons.push('the rule names no route or service known to the configured Kong gateways');
      // maybe because a gateway could not be read: say so
      for (const g of this.deps.gateways.gateways) if (g.status.error) reasons.push(g.status.error);
    }
    if (reasons.length) out.message = [...new Set(reasons)].join('; ');
    if (gws.some((g) => g.mode === 'unmanaged') || gws.length === 0) {
      const wanted = p.global
        ? [{ scope: 'global' as const }]
        : [...new Set(p.scopes)].map((k) => scopes.get(k)!).map((d) => ({ scope: d.scope, id: d.scopeId, name: nameOf(d.scope, d.gateway, d.scopeId) }));
      const unknownScopes = s.rule.type === 'basic' ? p.unknown.map((id) => ({ scope: (s.rule.type === 'basic' && s.rule.serviceIds?.includes(id) ? 'service' : 'route') as 'route' | 'service', id })) : [];
      out.manualConfig = manualYaml(dedupe([...wanted, ...unknownScopes]), s.id, this.deps.target, s.captureLogs);
    }
    return out;
  }
}

function dedupe<T extends { scope: string; id?: string }>(xs: T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => !seen.has(`${x.scope}|${x.id}`) && seen.add(`${x.scope}|${x.id}`));
}

function ignoreNotFound(e: unknown): void {
  if (e instanceof KongAdminError && e.kind === 'not_found') return;
  throw e;
}

/** routes/services with an opentelemetry plugin that is not ours: a global instance does not reach them */
function foreignNarrower(plugins: KongPlugin[], entities: KongEntity[], gateway: string): string[] {
  const out: string[] = [];
  for (const p of plugins) {
    if (p.name !== 'opentelemetry' || (p.tags ?? []).includes(DEBUGGER_TAG)) continue;
    const [kind, id] = p.route?.id ? ['route', p.route.id] : p.service?.id ? ['service', p.service.id] : p.consumer?.id ? ['consumer', p.consumer.id] : [undefined, undefined];
    if (!kind) continue;
    const name = entities.find((e) => e.gateway === gateway && e.kind === kind && e.id === id)?.name;
    out.push(`${kind} ${name ? `${name} (${id})` : id}`);
  }
  return out;
}
