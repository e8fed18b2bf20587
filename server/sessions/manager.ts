import { randomUUID } from 'node:crypto';
import type { CreateSessionRequest, Session } from '../../common/api';
import { DEFAULT_TENANT } from '../auth/roles';
import { compileRule, type Matcher, type RuleInput } from '../rules';
import type { SharedSessions, Store, StoredSession } from '../store/types';
import { InvalidSessionError } from './validate';

export class SessionNotFoundError extends Error {
  constructor(id: string) {
    super(`no debug session with id "${id}"`);
  }
}

export class SessionConflictError extends Error {}

interface Running {
  session: StoredSession;
  matcher: Matcher;
  endsAtMs: number;
}

/** what admission granted: traces admitted a session, and the sessions to persist with the batch (embedded store only) */
export interface Admission {
  admitted: Map<string, number>;
  /** the admitting sessions that capture logs */
  captureLogs: Set<string>;
  persist: StoredSession[];
}

/**
 * Owns the debug sessions' lifecycle: in_progress from creation until the trace cap (completed),
 * the duration (timed_out) or a stop (cancelled). Running sessions and their compiled rules are kept in
 * memory for the ingest hot path; every change is written to the store.
 *
 * On a shared store (several replicas on PostgreSQL) the store is the authority: trace caps and ends
 * are single atomic statements there, and each replica reloads the running set when the store tells
 * it something changed and on every tick, so a session started or stopped on one replica is seen by
 * the others at once, or within one tick if the notification is lost.
 */
export class SessionManager {
  private running = new Map<string, Running>();
  private readonly shared: SharedSessions | undefined;
  private timer?: NodeJS.Timeout;
  /** called whenever a session changes status, e.g. for logs */
  onChange?: (s: Session) => void;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.shared = store.shared;
  }

  /** Resumes sessions after a restart: those whose time ran out while the server was down are timed out. */
  async init(): Promise<void> {
    if (this.shared) return this.refresh();
    for (const s of await this.store.listSessions()) {
      if (s.status !== 'in_progress' && s.status !== 'pending') continue;
      const endsAtMs = Date.parse(s.endsAt ?? s.createdAt);
      if (endsAtMs <= this.now()) {
        await this.finish(s, 'timed_out', endsAtMs);
        continue;
      }
      const compiled = compileRule(s.rule);
      if (!compiled.ok) {
        // A rule that no longer compiles (engine changed) cannot capture anything: end it visibly.
        await this.finish(s, 'cancelled', this.now());
        continue;
      }
      this.running.set(s.id, { session: s, matcher: compiled.matcher, endsAtMs });
    }
  }

  /**
   * Shared store: the running set becomes what the store says is in progress (new sessions from other
   * replicas compiled, ended ones dropped), and sessions past their end are timed out (one replica wins).
   */
  async refresh(): Promise<void> {
    const shared = this.shared!;
    const nowMs = this.now();
    const next = new Map<string, Running>();
    for (const s of await shared.runningSessions()) {
      const endsAtMs = Date.parse(s.endsAt ?? s.createdAt);
      if (endsAtMs <= nowMs) {
        const ended = await shared.endSession(s.id, 'timed_out', endsAtMs);
        if (ended) this.onChange?.(ended);
        continue;
      }
      const known = this.running.get(s.id);
      let matcher = known?.matcher;
      if (!matcher) {
        const compiled = compileRule(s.rule);
        if (!compiled.ok) {
          const ended = await shared.endSession(s.id, 'cancelled', nowMs);
          if (ended) this.onChange?.(ended);
          continue;
        }
        matcher = compiled.matcher;
      }
      next.set(s.id, { session: s, matcher, endsAtMs });
    }
    for (const id of this.running.keys()) if (!next.has(id)) this.onChange?.((await this.store.getSession(id)) ?? this.running.get(id)!.session);
    this.running = next;
  }

  private refreshing?: Promise<void>;
  private refreshAgain = false;
  private refreshFailing = false;

  /** one refresh at a time (ticks and notifications overlap); a request during one runs once more after it */
  private refreshOnce(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        try {
          await this.refresh();
          if (this.refreshFailing) process.stderr.write('the running sessions are in sync with the database again\n');
          this.refreshFailing = false;
        } catch (e) {
          // Said once per outage, not four times a second.
          if (!this.refreshFailing) process.stderr.write(`warning: could not refresh the running sessions: ${(e as Error).message}\n`);
          this.refreshFailing = true;
        }
      } while (this.refreshAgain);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  start(tickMs = 250): void {
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
    // Shared store: hear of other replicas' changes at once; the tick stays the fallback.
    this.shared?.subscribe?.(() => {
      if (this.timer) void this.tick();
    });
  }

  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async create(req: CreateSessionRequest, tenant: string = DEFAULT_TENANT): Promise<Session> {
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
      maxTraces: req.maxTraces ?? 200,
      captureLogs: req.captureLogs ?? false,
      traceCount: 0,
      logCount: 0,
      createdAt: new Date(nowMs).toISOString(),
      startedAt: new Date(nowMs).toISOString(),
      endsAt: new Date(endsAtMs).toISOString(),
    };
    await this.store.saveSession(session);
    this.running.set(id, { session, matcher: compiled.matcher, endsAtMs });
    this.onChange?.(session);
    return session;
  }

  // Reads go to the store: every admitted trace is persisted in the same write as its spans, and
  // log counts are kept by the store alone, so the store is never behind memory.
  /** `tenant`: when given, a session of another tenant is reported as not found (nothing leaks). */
  async get(id: string, tenant?: string): Promise<Session> {
    const s = await this.store.getSession(id);
    if (!s || (tenant !== undefined && tenantOf(s) !== tenant)) throw new SessionNotFoundError(id);
    return s;
  }

  async list(tenant?: string): Promise<Session[]> {
    const all = await this.store.listSessions();
    return tenant === undefined ? all : all.filter((s) => tenantOf(s) === tenant);
  }

  async stop(id: string, tenant?: string): Promise<Session> {
    const s = await this.get(id, tenant);
    if (this.shared) {
      // Conditional in the store: if another replica ended it first, this is a conflict, not a second end.
      const ended = await this.shared.endSession(id, 'cancelled', this.now());
      this.running.delete(id);
      if (!ended) throw new SessionConflictError(`session "${id}" has already ended (status ${(await this.get(id, tenant)).status})`);
      this.onChange?.(ended);
      return ended;
    }
    const live = this.running.get(id);
    if (!live) throw new SessionConflictError(`session "${id}" has already ended (status ${s.status})`);
    return this.finish(live.session, 'cancelled', this.now());
  }

  async delete(id: string, tenant?: string): Promise<void> {
    await this.get(id, tenant);
    this.running.delete(id);
    await this.store.deleteSession(id);
  }

  async tick(): Promise<void> {
    if (this.shared) return this.refreshOnce();
    const nowMs = this.now();
    for (const r of [...this.running.values()]) {
      if (r.endsAtMs <= nowMs) await this.finish(r.session, 'timed_out', r.endsAtMs);
    }
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

  /**
   * Counts new traces against their sessions' caps (`requests`: session → traces wanting in). On a
   * shared store each session is one atomic statement; otherwise counting is in memory and the
   * sessions to persist go out with the batch, so counts and spans are stored together.
   */
  async admit(requests: Map<string, number>): Promise<Admission> {
    const admitted = new Map<string, number>();
    const captureLogs = new Set<string>();
    const persist: StoredSession[] = [];
    if (this.shared) {
      const nowMs = this.now();
      await Promise.all(
        [...requests].map(async ([id, n]) => {
          const r = await this.shared!.admitTraces(id, n, nowMs);
          admitted.set(id, r.admitted);
          if (r.admitted && r.session?.captureLogs) captureLogs.add(id);
          if (r.session && r.session.status !== 'in_progress') {
            this.running.delete(id);
            this.onChange?.(r.session);
          }
        }),
      );
      return { admitted, captureLogs, persist };
    }
    for (const [id, n] of requests) {
      let k = 0;
      let last: StoredSession | undefined;
      for (; k < n; k++) {
        const updated = this.admitTrace(id);
        if (!updated) break;
        last = updated;
      }
      admitted.set(id, k);
      if (last) persist.push(last);
      if (last?.captureLogs) captureLogs.add(id);
    }
    return { admitted, captureLogs, persist };
  }

  /**
   * Counts a new trace against the session's cap. Returns the updated session to persist, or
   * undefined when the session is no longer running (the trace is then not added to it).
   * Reaching the cap completes the session.
   */
  admitTrace(id: string): StoredSession | undefined {
    const r = this.running.get(id);
    if (!r) return undefined;
    r.session = { ...r.session, traceCount: r.session.traceCount + 1 };
    if (r.session.traceCount >= r.session.maxTraces) {
      const nowIso = new Date(this.now()).toISOString();
      r.session = { ...r.session, status: 'completed', endedAt: nowIso, endsAt: nowIso };
      this.running.delete(id);
      this.onChange?.(r.session);
    }
    return r.session;
  }

  captureLogs(id: string): boolean {
    return this.running.get(id)?.session.captureLogs ?? false;
  }

  private async finish(s: StoredSession, status: 'completed' | 'timed_out' | 'cancelled', atMs: number): Promise<Session> {
    if (this.shared) {
      this.running.delete(s.id);
      const ended = await this.shared.endSession(s.id, status, atMs);
      if (ended) this.onChange?.(ended);
      return ended ?? (await this.get(s.id));
    }
    const latest = this.running.get(s.id)?.session ?? s;
    this.running.delete(s.id);
    const iso = new Date(atMs).toISOString();
    const ended: StoredSession = { ...latest, status, endedAt: iso, endsAt: iso };
    await this.store.saveSession(ended);
    this.onChange?.(ended);
    return (await this.store.getSession(s.id)) ?? ended;
  }
}

/** Sessions from before tenants existed belong to the default tenant. */
export function tenantOf(s: Session): string {
  return s.tenant ?? DEFAULT_TENANT;
}
