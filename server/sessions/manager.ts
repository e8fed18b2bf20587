import { randomUUID } from 'node:crypto';
import type { CreateSessionRequest, Session, SessionAlert } from '../../common/api';
import { DEFAULT_TENANT } from '../auth/roles';
import { compileRule, type RuleInput } from '../rules';
import { alertKey } from '../store/errors';
import type { Store, StoredSession } from '../store/types';
import { RunningSet } from './running';
import { sessionStateFor, type Admission, type SessionState } from './state';
import { DEFAULT_MAX_TRACES, InvalidSessionError } from './validate';

export type { Admission } from './state';

export class SessionNotFoundError extends Error {
  constructor(id: string) {
    super(`no debug session with id "${id}"`);
  }
}

export class SessionConflictError extends Error {}

/**
 * Told of each session's start, end and delete, and may add to what a session shows (server/kong: Kong's
 * tracing switched on for the session and off after it). `started` is awaited, so the created session shows
 * its set-up; a listener's failure never fails the session.
 */
export interface SessionLifecycle {
  started(s: Session): Promise<void>;
  ended(s: Session): void;
  deleted(id: string): Promise<void>;
  decorate(sessions: Session[]): Promise<Session[]>;
}

/**
 * Owns the debug sessions' lifecycle: in_progress from creation until the trace cap (completed),
 * the duration (timed_out) or a stop (cancelled). Running sessions and their compiled rules are kept in
 * memory for the ingest hot path; every change is written to the store. Where the truth about running
 * sessions lives (this process, or a database several replicas share) is the session state's business
 * (state.ts: local-state.ts, shared-state.ts); how caps work is caps.ts.
 */
export class SessionManager {
  private readonly running = new RunningSet();
  private readonly state: SessionState;
  private timer?: NodeJS.Timeout;
  /** called whenever a session changes status, e.g. for logs */
  onChange?: (s: Session) => void;
  lifecycle?: SessionLifecycle;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.state = sessionStateFor({ store, running: this.running, now, changed: (s) => this.changed(s) });
  }

  private changed(s: Session): void {
    this.onChange?.(s);
    if (s.status !== 'in_progress') this.lifecycle?.ended(s);
  }

  private async decorate(list: Session[]): Promise<Session[]> {
    return this.lifecycle ? this.lifecycle.decorate(list).catch(() => list) : list;
  }

  /** Resumes sessions after a restart: those whose time ran out while the server was down are timed out. */
  init(): Promise<void> {
    return this.state.resume();
  }

  start(tickMs = 250): void {
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
    // Hear of changes made elsewhere at once; the tick stays the fallback.
    this.state.watch(() => {
      if (this.timer) void this.tick();
    });
  }

  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * `alert`: the alert that starts it (server/alerts). The store keeps one running session per alert: a second one
   * is refused with AlertSessionRunningError (store/errors.ts), before anything runs.
   * `createdBy`: the Grafana user or token name that asked for it (auth/grafana-user.ts actorName)
   */
  async create(req: CreateSessionRequest, tenant: string = DEFAULT_TENANT, by: { alert?: SessionAlert; createdBy?: string } = {}): Promise<Session> {
    const { alert, createdBy } = by;
    const compiled = compileRule(req.rule);
    if (!compiled.ok) {
      const first = compiled.errors[0];
      throw new InvalidSessionError(`invalid rule: ${first ? first.message : 'unknown error'}`, compiled.errors);
    }
    const nowMs = this.now();
    const id = randomUUID();
    const endsAtMs = nowMs + req.durationSeconds * 1000;
    const session: StoredSession = {
      id,
      name: req.name?.trim() || `Session ${id.slice(0, 8)}`,
      tenant,
      rule: req.rule,
      status: 'in_progress',
      durationSeconds: req.durationSeconds,
      maxTraces: req.maxTraces ?? DEFAULT_MAX_TRACES,
      captureLogs: req.captureLogs ?? false,
      traceCount: 0,
      logCount: 0,
      createdAt: new Date(nowMs).toISOString(),
      startedAt: new Date(nowMs).toISOString(),
      endsAt: new Date(endsAtMs).toISOString(),
      ...(alert ? { alert } : {}),
      ...(createdBy ? { createdBy } : {}),
    };
    await this.store.saveSession(session);
    this.running.set({ session, matcher: compiled.matcher, endsAtMs });
    this.onChange?.(session);
    await this.lifecycle?.started(session).catch(() => undefined);
    return (await this.decorate([session]))[0];
  }

  // Reads go to the store: every admitted trace is persisted in the same write as its spans, and
  // log counts are kept by the store alone, so the store is never behind memory.
  /** `tenant`: when given, a session of another tenant is reported as not found (nothing leaks). */
  async get(id: string, tenant?: string): Promise<Session> {
    const s = await this.store.getSession(id);
    if (!s || (tenant !== undefined && tenantOf(s) !== tenant)) throw new SessionNotFoundError(id);
    return (await this.decorate([s]))[0];
  }

  /** `alert`: only the sessions started for the alert with this fingerprint (of `tenant`, default the default tenant) */
  async list(tenant?: string, filter: { alert?: string } = {}): Promise<Session[]> {
    const all = await this.store.listSessions(filter.alert !== undefined ? { alertKey: alertKey(tenant ?? DEFAULT_TENANT, filter.alert) } : {});
    return this.decorate(tenant === undefined ? all : all.filter((s) => tenantOf(s) === tenant));
  }

  async stop(id: string, tenant?: string): Promise<Session> {
    await this.get(id, tenant);
    const ended = await this.state.end(id, 'cancelled', this.now());
    // Ended already (its cap, its time, another replica's stop): a conflict, not a second end.
    if (!ended) throw new SessionConflictError(`session "${id}" has already ended (status ${(await this.get(id, tenant)).status})`);
    return (await this.decorate([ended]))[0];
  }

  async delete(id: string, tenant?: string): Promise<void> {
    await this.get(id, tenant);
    this.running.delete(id);
    await this.store.deleteSession(id);
    await this.lifecycle?.deleted(id).catch(() => undefined);
  }

  tick(): Promise<void> {
    return this.state.tick();
  }

  /** Whether any session is capturing: with none, ingest drops everything without decoding further. */
  get active(): boolean {
    return this.running.size > 0;
  }

  get activeLogCapture(): boolean {
    for (const r of this.running.values()) if (r.session.captureLogs) return true;
    return false;
  }

  runningSessions(): Session[] {
    return [...this.running.values()].map((r) => r.session);
  }

  /** `tenant`: when given, a running session of another tenant does not count */
  isRunning(id: string, tenant?: string): boolean {
    const r = this.running.get(id);
    return r !== undefined && (tenant === undefined || tenantOf(r.session) === tenant);
  }

  /**
   * The running sessions a trace belongs to: the one its resource names (`session.id`), and every
   * session whose rule matches the root span. Sessions already timed out by the clock are skipped
   * even if the tick has not run yet, so a session never captures past its end.
   */
  match(input: RuleInput | undefined, resourceSessionId: string | undefined, tenant: string = DEFAULT_TENANT): string[] {
    const nowMs = this.now();
    const out: string[] = [];
    for (const r of this.running.values()) {
      if (r.endsAtMs <= nowMs || tenantOf(r.session) !== tenant) continue;
      if (resourceSessionId === r.session.id || (input !== undefined && r.matcher(input))) out.push(r.session.id);
    }
    return out;
  }

  /** Counts new traces against their sessions' caps (`requests`: session → traces wanting in). */
  admit(requests: Map<string, number>): Promise<Admission> {
    return this.state.admit(requests);
  }

  captureLogs(id: string): boolean {
    return this.running.get(id)?.session.captureLogs ?? false;
  }
}

/** Sessions from before tenants existed belong to the default tenant. */
export function tenantOf(s: Session): string {
  return s.tenant ?? DEFAULT_TENANT;
}
