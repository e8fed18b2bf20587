import type { SharedSessions, StoredSession } from '../store/types';
import { compileRunning, endsAtMsOf, type Running } from './running';
import type { Admission, EndStatus, SessionState, StateContext } from './state';

/**
 * Several replicas share one database (PostgreSQL), which is the authority: trace caps and ends are
 * single atomic statements there, and each replica reloads the running set when the store tells it
 * something changed and on every tick, so a session started or stopped on one replica is seen by the
 * others at once, or within one tick if the notification is lost.
 */
export class SharedState implements SessionState {
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  private refreshFailing = false;

  constructor(
    private readonly ctx: StateContext,
    private readonly shared: SharedSessions,
  ) {}

  resume(): Promise<void> {
    return this.refresh();
  }

  tick(): Promise<void> {
    return this.refreshOnce();
  }

  watch(onChange: () => void): void {
    this.shared.subscribe?.(onChange);
  }

  async admit(requests: Map<string, number>): Promise<Admission> {
    const admitted = new Map<string, number>();
    const captureLogs = new Set<string>();
    const nowMs = this.ctx.now();
    await Promise.all(
      [...requests].map(async ([id, n]) => {
        const r = await this.shared.admitTraces(id, n, nowMs);
        admitted.set(id, r.admitted);
        if (r.admitted && r.session?.captureLogs) captureLogs.add(id);
        if (r.session && r.session.status !== 'in_progress') {
          this.ctx.running.delete(id);
          this.ctx.changed(r.session);
        }
      }),
    );
    // The counts are already in the database: nothing to persist with the batch.
    return { admitted, captureLogs, persist: [] };
  }

  /** Conditional in the store: if another replica ended it first, it was not ended here (undefined). */
  async end(id: string, status: EndStatus, atMs: number): Promise<StoredSession | undefined> {
    const ended = await this.shared.endSession(id, status, atMs);
    this.ctx.running.delete(id);
    if (ended) this.ctx.changed(ended);
    return ended;
  }

  /**
   * The running set becomes what the store says is in progress (new sessions from other replicas
   * compiled, ended ones dropped), and sessions past their end are timed out (one replica wins).
   */
  private async refresh(): Promise<void> {
    const nowMs = this.ctx.now();
    const next: Running[] = [];
    for (const s of await this.shared.runningSessions()) {
      const endsAtMs = endsAtMsOf(s);
      if (endsAtMs <= nowMs) {
        const ended = await this.shared.endSession(s.id, 'timed_out', endsAtMs);
        if (ended) this.ctx.changed(ended);
        continue;
      }
      const known = this.ctx.running.get(s.id);
      const running = known ? { session: s, matcher: known.matcher, endsAtMs } : compileRunning(s);
      if (running) {
        next.push(running);
        continue;
      }
      const ended = await this.shared.endSession(s.id, 'cancelled', nowMs);
      if (ended) this.ctx.changed(ended);
    }
    const kept = new Set(next.map((r) => r.session.id));
    for (const r of [...this.ctx.running.values()]) if (!kept.has(r.session.id)) this.ctx.changed((await this.ctx.store.getSession(r.session.id)) ?? r.session);
    this.ctx.running.replaceWith(next);
  }

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
}
