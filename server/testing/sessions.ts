import type { StoredSession } from '../store/types';

/**
 * A running session as the store keeps it, for tests: an advanced rule on 5xx, 60 s from `nowMs`, a cap of
 * 2 traces; `over` changes any field.
 */
export function storedSession(id: string, nowMs: number, over: Partial<StoredSession> = {}): StoredSession {
  return {
    id,
    name: id,
    rule: { type: 'advanced', expression: 'http.response.status_code >= 500' },
    status: 'in_progress',
    durationSeconds: 60,
    maxTraces: 2,
    captureLogs: false,
    traceCount: 0,
    logCount: 0,
    createdAt: new Date(nowMs).toISOString(),
    endsAt: new Date(nowMs + 60_000).toISOString(),
    ...over,
  };
}
