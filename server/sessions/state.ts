import type { Session } from '../../common/api';
import type { Store, StoredSession } from '../store/types';
import { LocalState } from './local-state';
import type { RunningSet } from './running';
import { SharedState } from './shared-state';

export type EndStatus = 'completed' | 'timed_out' | 'cancelled';

/** what admission granted: traces admitted a session, and the sessions to persist with the batch (local state only) */
export interface Admission {
  admitted: Map<string, number>;
  /** the admitting sessions that capture logs */
  captureLogs: Set<string>;
  persist: StoredSession[];
}

/** what a state strategy works with */
export interface StateContext {
  store: Store;
  running: RunningSet;
  now: () => number;
  /** tells the manager's listeners a session changed status */
  changed: (s: Session) => void;
}

/**
 * Where the truth about running sessions lives, and so how their counts, caps and ends are kept: in
 * this process (LocalState: SQLite, one server) or in the shared database (SharedState: PostgreSQL,
 * several replicas). The manager does the same thing on either; only these steps differ.
 */
export interface SessionState {
  /** at start: the running set from the store; sessions whose end passed meanwhile are timed out */
  resume(): Promise<void>;
  /** on the manager's tick: sessions past their end are timed out (shared: and the running set follows the store) */
  tick(): Promise<void>;
  /** calls `onChange` when a change made elsewhere may need a tick now (shared: another replica's) */
  watch(onChange: () => void): void;
  /** counts new traces against their sessions' caps (`requests`: session → traces wanting in) */
  admit(requests: Map<string, number>): Promise<Admission>;
  /** ends a running session and tells listeners; undefined when it had already ended */
  end(id: string, status: EndStatus, atMs: number): Promise<StoredSession | undefined>;
}

/** A store shared by several replicas holds the sessions' truth; otherwise this process does. */
export function sessionStateFor(ctx: StateContext): SessionState {
  return ctx.store.shared ? new SharedState(ctx, ctx.store.shared) : new LocalState(ctx);
}
