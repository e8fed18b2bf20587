import type { Session } from '../../common/api';
import type { SharedSessions, Store, StoredSession } from '../store/types';
import { storedSession } from '../testing/sessions';
import { admitWithinCap } from './caps';
import { compileRunning, RunningSet } from './running';
import { SharedState } from './shared-state';

/** The database several replicas share, in memory: each call is one atomic step, as PostgreSQL's statements are. */
class FakeShared implements SharedSessions {
  readonly rows = new Map<string, StoredSession>();
  listeners: Array<() => void> = [];
  ends: string[] = [];
  async admitTraces(id: string, n: number, nowMs: number) {
    const s = this.rows.get(id);
    if (!s) return { admitted: 0 };
    const r = admitWithinCap(s, n, nowMs);
    if (r.admitted === 0) return { admitted: 0 };
    this.rows.set(id, r.session);
    return r;
  }
  async endSession(id: string, status: 'completed' | 'timed_out' | 'cancelled', atMs: number) {
    const s = this.rows.get(id);
    if (!s || s.status !== 'in_progress') return undefined;
    const iso = new Date(atMs).toISOString();
    const ended = { ...s, status, endedAt: iso, endsAt: iso };
    this.rows.set(id, ended);
    this.ends.push(`${id}:${status}`);
    return ended;
  }
  async runningSessions() {
    return [...this.rows.values()].filter((s) => s.status === 'in_progress');
  }
  subscribe(onChange: () => void) {
    this.listeners.push(onChange);
  }
  async sessionsOfTraces() {
    return new Map<string, string[]>();
  }
  getSession(id: string) {
    return this.rows.get(id);
  }
}

let now: number;
let shared: FakeShared;
let running: RunningSet;
let changed: Session[];
let state: SharedState;

const session = (id: string, over: Partial<StoredSession> = {}): StoredSession => storedSession(id, now, { captureLogs: true, ...over });

beforeEach(() => {
  now = Date.parse('2026-11-24T10:00:00Z');
  shared = new FakeShared();
  running = new RunningSet();
  changed = [];
  const store = { shared, getSession: (id: string) => shared.getSession(id) } as unknown as Store;
  state = new SharedState({ store, running, now: () => now, changed: (s) => changed.push(s) }, shared);
});

describe('SharedState', () => {
  it('runs what the database says is in progress: new sessions compiled, past-end ones timed out, broken rules cancelled', async () => {
    shared.rows.set('live', session('live'));
    shared.rows.set('over', session('over', { endsAt: new Date(now - 1).toISOString() }));
    shared.rows.set('broken', session('broken', { rule: { type: 'advanced', expression: 'http.method ==' } }));
    await state.resume();
    expect([...running.values()].map((r) => r.session.id)).toEqual(['live']);
    expect(shared.ends).toEqual([`over:timed_out`, `broken:cancelled`]);
    expect(changed.map((c) => `${c.id}:${c.status}`)).toEqual(['over:timed_out', 'broken:cancelled']);
  });

  it("follows other replicas: a session they ended leaves the running set on the next tick, and listeners hear of it", async () => {
    shared.rows.set('a', session('a'));
    await state.tick();
    const matcher = running.get('a')!.matcher;
    await state.tick();
    expect(running.get('a')!.matcher).toBe(matcher); // compiled once
    await shared.endSession('a', 'cancelled', now);
    await state.tick();
    expect(running.size).toBe(0);
    expect(changed.map((c) => `${c.id}:${c.status}`)).toEqual(['a:cancelled']);
  });

  it('admits through the database, persists nothing with the batch, and drops a session the database completed', async () => {
    const s = session('a');
    shared.rows.set('a', s);
    running.set(compileRunning(s)!);
    const a = await state.admit(new Map([['a', 5]]));
    expect(a).toEqual({ admitted: new Map([['a', 2]]), captureLogs: new Set(['a']), persist: [] });
    expect(shared.rows.get('a')).toMatchObject({ status: 'completed', traceCount: 2 });
    expect(running.size).toBe(0);
    expect(changed.map((c) => c.status)).toEqual(['completed']);
    expect((await state.admit(new Map([['a', 1]]))).admitted.get('a')).toBe(0);
  });

  it('ends a session once across replicas: the second end is undefined', async () => {
    shared.rows.set('a', session('a'));
    await state.resume();
    expect(await state.end('a', 'cancelled', now)).toMatchObject({ status: 'cancelled' });
    expect(await state.end('a', 'cancelled', now)).toBeUndefined();
    expect(running.size).toBe(0);
  });

  it("hears of other replicas' changes through the store's notifications", () => {
    let heard = 0;
    state.watch(() => heard++);
    for (const l of shared.listeners) l();
    expect(heard).toBe(1);
  });
});
