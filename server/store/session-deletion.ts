import { SqlArgs, type Dialect } from './sql';

/**
 * Deleting a session, in order, on either store: the traces no other session holds (from each of `traceTables`,
 * the tables keyed by tenant and trace id: their spans first), its
 * memberships, logs, data key (crypto-shredding: without its wrapped DEK any copy of the session's sealed rows is
 * unreadable) and the session itself. Run in one transaction.
 */
export function sessionDeletion(sessionId: string, dialect: Dialect, traceTables: string[]): Array<{ sql: string; values: unknown[] }> {
  const orphans = (a: SqlArgs) =>
    `SELECT st.tenant, st.trace_id FROM session_traces st WHERE st.session_id = ${a.add(sessionId)}
     AND NOT EXISTS (SELECT 1 FROM session_traces o WHERE o.tenant = st.tenant AND o.trace_id = st.trace_id AND o.session_id <> st.session_id)`;
  const statements: Array<(a: SqlArgs) => string> = [
    ...traceTables.map((table) => (a: SqlArgs) => `DELETE FROM ${table} WHERE (tenant, trace_id) IN (${orphans(a)})`),
    (a) => `DELETE FROM session_traces WHERE session_id = ${a.add(sessionId)}`,
    (a) => `DELETE FROM logs WHERE session_id = ${a.add(sessionId)}`,
    (a) => `DELETE FROM session_keys WHERE session_id = ${a.add(sessionId)}`,
    (a) => `DELETE FROM sessions WHERE id = ${a.add(sessionId)}`,
  ];
  return statements.map((st) => {
    const a = new SqlArgs(dialect);
    return { sql: st(a), values: a.values };
  });
}
