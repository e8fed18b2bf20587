import type { Admission } from '../sessions/manager';
import type { WriteBatch } from '../store/types';
import type { Decision } from './decision-cache';
import type { TraceKey } from './trace-key';

/** a trace judged in this request and the running sessions its root matches */
export interface Candidate {
  key: TraceKey;
  matches: string[];
}

export interface Admitter {
  admit(requests: Map<string, number>): Promise<Admission>;
}

const NOTHING: Admission = { admitted: new Map(), captureLogs: new Set(), persist: [] };

/**
 * Admits a request's newly judged traces into the sessions that want them, within each session's cap:
 * one admission a session, not a trace (on PostgreSQL that is one statement). The sessions' changed
 * counters join `write`, so counts and spans are stored together.
 */
export function admitCandidates(sessions: Admitter, candidates: Candidate[], write: WriteBatch): Promise<Map<TraceKey, Decision>> {
  const requests = new Map<string, number>();
  for (const c of candidates) for (const id of c.matches) requests.set(id, (requests.get(id) ?? 0) + 1);
  const admission = requests.size ? sessions.admit(requests) : Promise.resolve(NOTHING);
  return admission.then((granted) => {
    write.sessions.push(...granted.persist);
    return allocate(candidates, granted);
  });
}

/**
 * Hands each session's admitted places to the traces that wanted them, in batch order; a trace no
 * session has a place for is decided with no sessions (dropped).
 */
export function allocate(candidates: Candidate[], granted: Pick<Admission, 'admitted' | 'captureLogs'>): Map<TraceKey, Decision> {
  const left = new Map(granted.admitted);
  const out = new Map<TraceKey, Decision>();
  for (const c of candidates) {
    const sessions: string[] = [];
    const logSessions: string[] = [];
    for (const id of c.matches) {
      const n = left.get(id) ?? 0;
      if (n === 0) continue;
      left.set(id, n - 1);
      sessions.push(id);
      if (granted.captureLogs.has(id)) logSessions.push(id);
    }
    out.set(c.key, { sessions, logSessions });
  }
  return out;
}
