import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../store/sqlite';
import { SessionConflictError, SessionManager, SessionNotFoundError } from './manager';
import { InvalidSessionError } from './validate';
import { makeRuleInput } from '../rules';

let dir: string;
let store: SqliteStore;
let now: number;
const clock = () => now;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-sessions-'));
  store = new SqliteStore(dir, clock);
  now = Date.parse('2026-11-24T10:00:00Z');
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rule = { type: 'advanced' as const, expression: 'http.response.status_code >= 500' };

describe('SessionManager', () => {
  it('times a session out when its duration has run', async () => {
    const m = new SessionManager(store, clock);
    const s = await m.create({ rule, durationSeconds: 10 });
    now += 9_999;
    await m.tick();
    expect((await m.get(s.id)).status).toBe('in_progress');
    now += 1;
    await m.tick();
    const ended = await m.get(s.id);
    expect(ended.status).toBe('timed_out');
    expect(ended.endedAt).toBe('2026-11-24T10:00:10.000Z');
    expect(m.active).toBe(false);
  });

  it('never matches past the end even before the tick ran', async () => {
    const m = new SessionManager(store, clock);
    const s = await m.create({ rule, durationSeconds: 10 });
    const input = makeRuleInput({ 'http.response.status_code': 503 });
    expect(m.match(input, undefined)).toEqual([s.id]);
    now += 10_000;
    expect(m.match(input, undefined)).toEqual([]);
  });

  it('resumes running sessions after a restart and times out those that ended meanwhile', async () => {
    const m1 = new SessionManager(store, clock);
    const short = await m1.create({ rule, durationSeconds: 10 });
    const long = await m1.create({ rule, durationSeconds: 600 });
    now += 60_000;
    const m2 = new SessionManager(store, clock);
    await m2.init();
    expect((await m2.get(short.id)).status).toBe('timed_out');
    expect((await m2.get(short.id)).endedAt).toBe('2026-11-24T10:00:10.000Z');
    expect((await m2.get(long.id)).status).toBe('in_progress');
    expect(m2.runningSessions().map((s) => s.id)).toEqual([long.id]);
  });

  it('admits traces up to the cap, then completes', async () => {
    const m = new SessionManager(store, clock);
    const s = await m.create({ rule, durationSeconds: 60, maxTraces: 2 });
    const one = () => m.admit(new Map([[s.id, 1]]));
    expect((await one()).persist.map((p) => p.status)).toEqual(['in_progress']);
    expect((await one()).persist).toMatchObject([{ status: 'completed', traceCount: 2 }]);
    expect(await one()).toEqual({ admitted: new Map([[s.id, 0]]), captureLogs: new Set(), persist: [] });
    expect(m.isRunning(s.id)).toBe(false);
  });

  it('admits a batch only up to the cap, tells listeners of the completion, and a later stop is a conflict', async () => {
    const m = new SessionManager(store, clock);
    const changes: string[] = [];
    m.onChange = (x) => changes.push(x.status);
    const s = await m.create({ rule, durationSeconds: 60, maxTraces: 3, captureLogs: true });
    const a = await m.admit(new Map([[s.id, 5]]));
    expect([a.admitted.get(s.id), [...a.captureLogs], a.persist[0].traceCount]).toEqual([3, [s.id], 3]);
    expect(changes).toEqual(['in_progress', 'completed']);
    await expect(m.stop(s.id)).rejects.toBeInstanceOf(SessionConflictError);
  });

  it('stops a running session once, for its tenant only', async () => {
    const m = new SessionManager(store, clock);
    const s = await m.create({ rule, durationSeconds: 60 }, 'team-a');
    await expect(m.stop(s.id, 'team-b')).rejects.toBeInstanceOf(SessionNotFoundError);
    expect(await m.stop(s.id, 'team-a')).toMatchObject({ status: 'cancelled', endedAt: '2026-11-24T10:00:00.000Z' });
    expect(m.active).toBe(false);
    await expect(m.stop(s.id)).rejects.toBeInstanceOf(SessionConflictError);
  });

  it('rejects a bad rule with positions and unknown ids with a clear error', async () => {
    const m = new SessionManager(store, clock);
    await expect(m.create({ rule: { type: 'advanced', expression: 'http.method == ' }, durationSeconds: 60 })).rejects.toBeInstanceOf(InvalidSessionError);
    await expect(m.get('missing')).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(m.stop('missing')).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(m.delete('missing')).rejects.toBeInstanceOf(SessionNotFoundError);
  });
});
