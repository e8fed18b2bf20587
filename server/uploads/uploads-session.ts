import type { StoredSession } from '../store/types';

/** The session holding a tenant's uploaded traces: one per tenant, made on its first upload. */
export const UPLOADS_SESSION_NAME = 'Uploads';
/** most traces one tenant's Uploads session holds; past it an upload is refused (delete the session to start over) */
export const UPLOADS_MAX_TRACES = 10_000;

export function uploadsSessionId(tenant: string): string {
  return `uploads-${tenant}`;
}

/**
 * A finished session that never captures (status completed, a rule matching no route or service), so
 * the session manager never runs it; it captures logs so uploaded logs are listed. Its end moves to the
 * latest upload, so retention keeps it as long as its newest traces.
 */
export function newUploadsSession(tenant: string, nowMs: number): StoredSession {
  const at = new Date(nowMs).toISOString();
  return {
    id: uploadsSessionId(tenant),
    name: UPLOADS_SESSION_NAME,
    tenant,
    rule: { type: 'basic', routeIds: [], serviceIds: [] },
    status: 'completed',
    durationSeconds: 10,
    maxTraces: UPLOADS_MAX_TRACES,
    captureLogs: true,
    traceCount: 0,
    logCount: 0,
    createdAt: at,
    startedAt: at,
    endsAt: at,
    endedAt: at,
  };
}
