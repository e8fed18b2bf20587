import { Pool, types } from 'pg';

// int8 and numeric as JS numbers where they fit: counts, Unix ms and durations are all far below 2^53.
// Nanosecond times (which do not fit) are stored as numeric text and read as strings by their columns' own parsers.
types.setTypeParser(types.builtins.INT8, (v) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

/** A connection pool to the server's PostgreSQL database (`DATABASE_URL`). */
export function openPool(url: string, max = 10): Pool {
  const pool = new Pool({ connectionString: url, max, application_name: 'kong-debugger' });
  // An idle client that loses its connection (server restart) must not crash the process; the next query reconnects.
  pool.on('error', (e) => process.stderr.write(`warning: PostgreSQL connection lost: ${e.message}\n`));
  return pool;
}

/** `postgres://…` or `postgresql://…` */
export function isPostgresUrl(s: string | undefined): s is string {
  return !!s && /^postgres(ql)?:\/\//i.test(s);
}
