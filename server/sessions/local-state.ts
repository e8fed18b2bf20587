import type { StoredSession } from '../store/types';
import { admitWithinCap } from './caps';
import { compileRunning, endsAtMsOf } from './running';
import type { Admission, EndStatus, SessionState, StateContext } from './state';

/**
 * One server process owns its sessions (SQLite): counts are kept in memory and the changed sessions go
 * out with the ingest write that admitted their traces, so counts and spans are stored together; ends
 * are written at once.
 */
export class LocalState implements SessionState {
  constructor(private readonly ctx: StateContext) {}

  async resume(): Promise<void> {
    for (const s of await this.ctx.store.listSessions()) {
      if (s.status !== 'in_progress' && s.status !== 'pending') continue;
      const endsAtMs = endsAtMsOf(s);
      if (endsAtMs <= this.ctx.now()) {
        await this.close(s, 'timed_out', endsAtMs);
        continue;
      }
      const running = compileRunning(s);
      // A rule that no longer compiles (engine changed) cannot capture anything: end it visibly.
      if (running) this.ctx.running.set(running);
      else await this.close(s, 'cancelled', this.ctx.now());
    }
  }

  async tick(): Promise<void> {
    const nowMs = this.ctx.now();
    for (const r of [...this.ctx.running.values()]) {
      if (r.endsAtMs <= nowMs) await this.end(r.session.id, 'timed_out', r.endsAtMs);
    }
  }

  watch(): void {
    // One process: every change is made here.
  }

  async admit(requests: Map<string, number>): Promise<Admission> {
    const admitted = new Map<string, number>();
    const captureLogs = new Set<string>();
    const persist: StoredSession[] = [];
    const nowMs = this.ctx.now();
    for (const [id, n] of requests) {
      const r = this.ctx.running.get(id);
      const granted = r ? admitWithinCap(r.session, n, nowMs) : { admitted: 0, session: undefined };
      admitted.set(id, granted.admitted);
      if (!r || granted.admitted === 0) continue;
      r.session = granted.session!;
      persist.push(r.session);
      if (r.session.captureLogs) captureLogs.add(id);
      if (r.session.status !== 'in_progress') {
        this.ctx.running.delete(id);
        this.ctx.changed(r.session);
      }
    }
    return { admitted, captureLogs, persist };
  }

  async end(id: string, status: EndStatus, atMs: number): Promise<StoredSession | undefined> {
    const live = this.ctx.running.get(id);
    return live ? this.close(live.session, status, atMs) : undefined;
  }

  private async close(s: StoredSession, status: EndStatus, atMs: number): Promise<StoredSession> {
    this.ctx.running.delete(s.id);
    const iso = new Date(atMs).toISOString();
    const ended: StoredSession = { ...s, status, endedAt: iso, endsAt: iso };
    await this.ctx.store.saveSession(ended);
    this.ctx.changed(ended);
    return (await this.ctx.store.getSession(s.id)) ?? ended;
  }
}
