import type { StoredSession } from '../store/types';

/**
 * How session caps work, in one place: a session takes traces while it is in progress and before its
 * end, up to `maxTraces`; the request that reaches the cap gets only the places left, and reaching it
 * completes the session at that moment (its end moves to now). Traces past the cap are not counted
 * and not kept. The local state applies this function; on a shared store the same rule is the single
 * statement of `SharedSessions.admitTraces` (PostgreSQL: store/postgres.ts), so change both together.
 */
export function admitWithinCap(s: StoredSession, n: number, nowMs: number): { admitted: number; session: StoredSession } {
  const open = s.status === 'in_progress' && nowMs < Date.parse(s.endsAt ?? s.createdAt);
  const admitted = open ? Math.max(0, Math.min(n, s.maxTraces - s.traceCount)) : 0;
  if (admitted === 0) return { admitted, session: s };
  const session: StoredSession = { ...s, traceCount: s.traceCount + admitted };
  if (session.traceCount < session.maxTraces) return { admitted, session };
  const iso = new Date(nowMs).toISOString();
  return { admitted, session: { ...session, status: 'completed', endedAt: iso, endsAt: iso } };
}
