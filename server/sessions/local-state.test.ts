import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Session } from '../../common/api';
import { SqliteStore } from '../store/sqlite';
import type { StoredSession } from '../store/types';
import { storedSession } from '../testing/sessions';
import { LocalState } from './local-state';
import { compileRunning, RunningSet } from './running';

let dir: string;
let store: SqliteStore;
let now: number;
let running: RunningSet;
let changed: Session[];
let state: LocalState;

const session = (id: string, over: Partial<StoredSession> = {}): StoredSession => storedSession(id, now, over);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-local-state-'));
  now = Date.parse('2026-11-24T10:00:00Z');
  store = new SqliteStore(dir, () => now);
  running = new RunningSet();
  changed = [];
  state = new LocalState({ store, running, now: () => now, changed: (s) => changed.push(s) });
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('LocalState', () => {
  it('counts in memory and hands the changed sessions to the ingest write; it writes nothing itself', async () => {
    const s = session('a', { captureLogs: true });
    store.saveSession(s);
    running.set(compileRunning(s)!);
    const a = await state.admit(new Map([['a', 1], ['gone', 4]]));
    expect(a).toEqual({ admitted: new Map([['a', 1], ['gone', 0]]), captureLogs: new Set(['a']), persist: [{ ...s, traceCount: 1 }] });
    expect(store.getSession('a')?.traceCount).toBe(0);
    expect(running.get('a')?.session.traceCount).toBe(1);
  });

  it('ends a running session once, written at once and told to listeners', async () => {
    const s = session('a');
    store.saveSession(s);
    running.set(compileRunning(s)!);
    const ended = await state.end('a', 'cancelled', now);
    expect(ended).toMatchObject({ status: 'cancelled', endedAt: '2026-11-24T10:00:00.000Z' });
    expect(store.getSession('a')?.status).toBe('cancelled');
    expect(changed.map((c) => c.status)).toEqual(['cancelled']);
    expect(await state.end('a', 'cancelled', now)).toBeUndefined();
    expect(running.size).toBe(0);
  });

  it('resumes in-progress sessions and ends those that cannot run: time over, or a rule that no longer compiles', async () => {
    store.saveSession(session('live'));
    store.saveSession(session('over', { endsAt: new Date(now - 1).toISOString() }));
    store.saveSession(session('broken', { rule: { type: 'advanced', expression: 'http.method ==' } }));
    store.saveSession(session('done', { status: 'completed' }));
    await state.resume();
    expect([...running.values()].map((r) => r.session.id)).toEqual(['live']);
    expect([store.getSession('over')?.status, store.getSession('broken')?.status, store.getSession('done')?.status]).toEqual(['timed_out', 'cancelled', 'completed']);
  });

  it('times sessions out on the tick at their end, not at the tick', async () => {
    const s = session('a');
    store.saveSession(s);
    running.set(compileRunning(s)!);
    now += 60_500;
    await state.tick();
    expect(store.getSession('a')).toMatchObject({ status: 'timed_out', endedAt: '2026-11-24T10:01:00.000Z' });
  });
});
