import { compileRule, type Matcher } from '../rules';
import type { StoredSession } from '../store/types';

/** a session capturing now, with its compiled rule */
export interface Running {
  session: StoredSession;
  matcher: Matcher;
  endsAtMs: number;
}

export function endsAtMsOf(s: StoredSession): number {
  return Date.parse(s.endsAt ?? s.createdAt);
}

/** The session ready to match, or undefined when its rule no longer compiles (the engine changed). */
export function compileRunning(s: StoredSession): Running | undefined {
  const compiled = compileRule(s.rule);
  return compiled.ok ? { session: s, matcher: compiled.matcher, endsAtMs: endsAtMsOf(s) } : undefined;
}

/**
 * The sessions capturing now, kept in memory for the ingest hot path. Written by the session state
 * (local or shared) and the manager; read by matching.
 */
export class RunningSet {
  private byId = new Map<string, Running>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Running | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  values(): IterableIterator<Running> {
    return this.byId.values();
  }

  set(r: Running): void {
    this.byId.set(r.session.id, r);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  /** becomes exactly `next` (a shared store's view of what is in progress) */
  replaceWith(next: Running[]): void {
    this.byId = new Map(next.map((r) => [r.session.id, r]));
  }
}
