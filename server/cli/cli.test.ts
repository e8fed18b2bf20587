import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../app';
import type { Session } from '../../common/api';
import { getJson, kongRequest, postJson, tracesPayload } from '../testing/otlp-builders';
import { formatSessions, formatValidation } from './format';
import { PgTokenStore } from '../auth/tokens-pg';
import { openPool } from '../store/pg-pool';
import { createTestDatabase } from '../testing/pg';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'kong-debugger.js');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** starts `kong-debugger serve …` and waits until `until` appears in its output (or 40 s passed); `out()` reads it so far */
async function spawnServe(args: string[], until: RegExp, env: Record<string, string> = {}): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const deadline = Date.now() + 40_000;
  while (!until.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { child, out: () => out };
}

describe('CLI against a running server', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-cli-'));
    server = await startServer({ dataDir: dir, port: 0, otlpPort: 0 });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts, lists, shows traces of and stops a session', async () => {
    const started = await run(['session', 'start', '--url', server.apiUrl, '--name', 'cli', '-e', 'http.response.status_code >= 500', '-d', '60', '--json']);
    expect(started.code).toBe(0);
    const session = JSON.parse(started.stdout);
    expect(session).toMatchObject({ name: 'cli', status: 'in_progress', rule: { type: 'advanced', expression: 'http.response.status_code >= 500' } });

    const t = kongRequest({ status: 502, path: '/v1/pay' });
    expect((await postJson(`${server.otlpUrl}/v1/traces`, tracesPayload(t.spans))).status).toBe(200);

    const list = await run(['session', 'list'], { KONG_DEBUGGER_URL: server.apiUrl });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+TRACES/);
    expect(list.stdout).toContain(session.id);
    expect(list.stdout).toMatch(/in_progress\s+1\/200/);

    const traces = await run(['traces', session.id, '--url', server.apiUrl, '--status', '5xx']);
    expect(traces.code).toBe(0);
    expect(traces.stdout).toContain(t.traceId);
    expect(traces.stdout).toMatch(/502 !\s+20\.0 ms\s+GET\s+\/v1\/pay/);

    // across sessions, by what a user knows: Kong's request id alone
    const known = kongRequest({ status: 503, path: '/v1/refund', requestId: '5f0c6a2e9d1b4c3a8e7f6d5c4b3a2918' });
    expect((await postJson(`${server.otlpUrl}/v1/traces`, tracesPayload(known.spans))).status).toBe(200);
    const found = await run(['traces', '--request-id', '5f0c6a2e9d1b4c3a8e7f6d5c4b3a2918', '--url', server.apiUrl]);
    expect([found.code, found.stderr]).toEqual([0, '']);
    expect(found.stdout).toMatch(/REQUEST ID\s+SESSIONS/);
    expect(found.stdout).toContain(known.traceId);
    expect(found.stdout).not.toContain(t.traceId);
    expect(found.stdout).toContain(session.id);
    const byAttr = await run(['traces', '--attr', 'http.response.status_code=502', '--status', '5xx', '--json', '--url', server.apiUrl]);
    expect(JSON.parse(byAttr.stdout).traces.map((x: { traceId: string }) => x.traceId)).toEqual([t.traceId]);
    const misplaced = await run(['traces', session.id, '--request-id', 'x', '--url', server.apiUrl]);
    expect([misplaced.code, misplaced.stderr]).toEqual([1, 'error: --request-id: search across sessions (leave out the session id)\n']);
    const badAttr = await run(['traces', '--attr', 'novalue', '--url', server.apiUrl]);
    expect(badAttr.code).toBe(1);
    expect(badAttr.stderr).toMatch(/--attr needs key=value/);

    const stopped = await run(['session', 'stop', session.id, '--url', server.apiUrl]);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('cancelled');
  }, 60_000);

  it('reports bad rules and unknown sessions with the server message and exit code 1', async () => {
    const bad = await run(['session', 'start', '--url', server.apiUrl, '-e', 'http.path = "/x"']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: invalid rule: .*\(at \d+-\d+: /);
    const validate = await run(['validate', 'http.path = "/x"', '--url', server.apiUrl]);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain('http.path = "/x"\n          ^');
    const unknown = await run(['session', 'stop', 'nope', '--url', server.apiUrl]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: no debug session with id "nope"\n');
    const down = await run(['session', 'list', '--url', 'http://127.0.0.1:9']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the debugger at http:\/\/127\.0\.0\.1:9/);
    const noRule = await run(['session', 'start', '--url', server.apiUrl]);
    expect(noRule.code).toBe(1);
    expect(noRule.stderr).toMatch(/a sampling rule is required/);
  }, 60_000);
});

describe('formatSessions', () => {
  const base: Session = { id: 's1', name: 'checkout 5xx', tenant: 'default', rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, status: 'in_progress', durationSeconds: 60, maxTraces: 200, captureLogs: true, traceCount: 3, logCount: 7, createdAt: '2026-12-06T20:00:00.000Z', endsAt: '2026-12-06T20:01:00.000Z' } as Session;
  it('says who started each session: the alert, else the Grafana user or token', () => {
    const out = formatSessions(
      [
        { ...base, createdBy: 'alice' },
        { ...base, id: 's2', createdBy: 'grafana-alerts', alert: { source: 'grafana', name: 'KongHighErrorRate', fingerprint: 'c6ea', labels: {} } },
        { ...base, id: 's3' },
      ],
      Date.parse('2026-12-06T20:00:30.000Z'),
    ).split('\n');
    expect(out[0]).toMatch(/^ID\s+NAME\s+STATUS\s+TRACES\s+LOGS\s+LEFT\s+BY\s+RULE$/);
    expect(out[1]).toMatch(/0m30s\s+alice\s+http\.response/);
    expect(out[2]).toMatch(/0m30s\s+alert KongHighErrorRate\s+http\.response/);
    expect(out[3]).toMatch(/0m30s\s+-\s+http\.response/);
  });
});

describe('formatValidation', () => {
  it('points at the fault under the expression', () => {
    expect(formatValidation('a == 1 &&', { valid: false, errors: [{ message: 'expected term', start: 9, end: 9 }] })).toBe(
      'a == 1 &&\n         ^\nexpected term (at 9)',
    );
  });
});

describe('kong-debugger serve --demo (the quick start)', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  afterEach(() => {
    child?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints where it listens and captures the demo traffic into the demo sessions', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-serve-'));
    const srv = await spawnServe(['--demo', '--demo-rate', '20', '--port', '0', '--otlp-port', '0'], /look at/, { KONG_DEBUGGER_DATA_DIR: dir });
    child = srv.child;
    const out = srv.out();
    const deadline = Date.now() + 40_000;
    expect(out).toMatch(/OTLP\/HTTP\s+http:\/\/127\.0\.0\.1:\d+\/v1\/traces/);
    expect(out).toContain(`data           ${dir} (SQLite, retention 7 days)`);
    const api = /REST API\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out)![1];
    const sessions = (await getJson(`${api}/api/v1/sessions`)).body.sessions;
    const every = sessions.find((s: { name: string }) => s.name === 'Demo: every request');
    expect(every).toBeDefined();
    let traces: unknown[] = [];
    while (traces.length === 0 && Date.now() < deadline + 10_000) {
      await new Promise((r) => setTimeout(r, 250));
      traces = (await getJson(`${api}/api/v1/sessions/${every.id}/traces`)).body.traces;
    }
    expect(traces.length).toBeGreaterThan(0);
  }, 90_000);
});

describe('kong-debugger serve --redact', () => {
  it('refuses a name that turns off no default, before it starts', async () => {
    const r = await run(['serve', '--port', '0', '--otlp-port', '0', '--redact', 'x-tenant-key,-apikeys'], { KONG_DEBUGGER_DATA_DIR: path.join(os.tmpdir(), 'kdbg-never-created') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/"-apikeys" turns off no default; the defaults are apikey, /);
    expect(fs.existsSync(path.join(os.tmpdir(), 'kdbg-never-created'))).toBe(false);
  }, 60_000);
});

describe('kong-debugger serve --live-max-streams-per-tenant', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  afterEach(() => {
    child?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('caps the live streams a tenant holds open, and refuses a cap below 1 before it starts', async () => {
    const bad = await run(['serve', '--port', '0', '--otlp-port', '0', '--live-max-streams', '0'], { KONG_DEBUGGER_DATA_DIR: path.join(os.tmpdir(), 'kdbg-never-created') });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--live-max-streams/);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-live-'));
    const srv = await spawnServe(['--auth', 'none', '--port', '0', '--otlp-port', '0', '--data-dir', dir, '--live-max-streams-per-tenant', '1'], /REST API\s+http/);
    child = srv.child;
    const out = srv.out();
    const api = /REST API\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out)![1];
    const session = (await postJson(`${api}/api/v1/sessions`, { rule: { type: 'advanced', expression: 'http.path ^= "/"' }, durationSeconds: 60 })).body;
    const first = new AbortController();
    const open = await fetch(`${api}/api/v1/sessions/${session.id}/stream`, { signal: first.signal });
    expect(open.status).toBe(200);
    const second = await fetch(`${api}/api/v1/sessions/${session.id}/stream`);
    expect(second.status).toBe(429);
    expect(((await second.json()) as { message: string }).message).toMatch(/too many live streams open for this tenant \(1\)/);
    first.abort();
  }, 60_000);
});

describe('kong-debugger token and serve with tokens', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  afterEach(() => {
    child?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists and revokes tokens offline, and serve requires them', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-tok-'));
    const created = await run(['token', 'create', '--name', 'ops', '--role', 'debugger', '--tenant', 'team-a', '--data-dir', dir, '--json']);
    expect(created.code).toBe(0);
    const { token, id } = JSON.parse(created.stdout);
    expect(token).toMatch(/^kdbg_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const badRole = await run(['token', 'create', '--name', 'x', '--role', 'root', '--data-dir', dir]);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/Allowed choices are admin, debugger, viewer, ingest/);

    const srv = await spawnServe(['--port', '0', '--otlp-port', '0', '--data-dir', dir], /auth/);
    child = srv.child;
    const out = srv.out();
    expect(out).toMatch(/auth\s+API tokens required/);
    const url = /REST API\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out)![1];

    const denied = await run(['session', 'list', '--url', url]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe('error: an API token is required: send Authorization: Bearer <token>\n');
    const started = await run(['session', 'start', '--url', url, '--token', token, '-e', 'http.path ^= "/v1"', '--json']);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout).tenant).toBe('team-a');

    const list = await run(['token', 'list', '--data-dir', dir]);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+ops\\s+debugger\\s+team-a`));
    expect(list.stdout).not.toContain(token);
    expect((await run(['token', 'revoke', id, '--data-dir', dir])).code).toBe(0);
    const after = await run(['session', 'list', '--url', url, '--token', token]);
    expect(after.stderr).toMatch(/the API token is not valid/);
  }, 120_000);
});

describe('kong-debugger serve: bootstrap tokens', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-first-'));
  });
  afterEach(() => {
    child?.kill('SIGTERM');
    child = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** starts serve, returns its stdout once it printed where it listens */
  async function serve(args: string[] = [], env: Record<string, string> = {}): Promise<string> {
    const srv = await spawnServe(['--port', '0', '--otlp-port', '0', '--data-dir', dir, ...args], /\n  auth .*\n/, env);
    child = srv.child;
    await new Promise((r) => setTimeout(r, 200)); // the rest of the banner
    return srv.out();
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      child!.once('close', () => resolve());
      child!.kill('SIGTERM');
      child = undefined;
    });

  it('refuses a weak or placeholder token at start, naming the flag, before it opens anything', async () => {
    const weak = await run(['serve', '--port', '0', '--otlp-port', '0', '--data-dir', path.join(dir, 'never'), '--api-token', 'change-me']);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^error: --api-token \(KONG_DEBUGGER_API_TOKEN\) is too weak: it has 9 characters; at least 32 are needed/);
    const env = await run(['serve', '--port', '0', '--otlp-port', '0', '--data-dir', path.join(dir, 'never')], { KONG_DEBUGGER_INGEST_TOKEN: 'change-me-too-change-me-too-change-me-too' });
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/^error: --ingest-token \(KONG_DEBUGGER_INGEST_TOKEN\) is too weak: it looks like a placeholder/);
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  }, 60_000);

  it('makes an admin and an ingest token on the first start, prints them once, and none on the next start', async () => {
    const first = await serve();
    const made = [...first.matchAll(/^ {17}(admin|ingest) +(kdbg_\S+) +\(id ([0-9a-f]{12})\)$/gm)].map((m) => ({ role: m[1], token: m[2], id: m[3] }));
    expect(made.map((t) => t.role)).toEqual(['admin', 'ingest']);
    const url = /REST API\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(first)![1];
    const tokens = await getJson(`${url}/api/v1/tokens`, { authorization: `Bearer ${made[0].token}` });
    expect(tokens.status).toBe(200);
    // the list is by creation time, then id: two tokens made in the same millisecond come in id order
    const byId = (a: string[], b: string[]) => (a[0] < b[0] ? -1 : 1);
    expect(tokens.body.tokens.map((t: { id: string; role: string }) => [t.id, t.role]).sort(byId)).toEqual(made.map((t) => [t.id, t.role]).sort(byId));
    await stop();

    const second = await serve();
    expect(second).toMatch(/auth\s+API tokens required/);
    expect(second).not.toContain('first start');
    for (const t of made) expect(second).not.toContain(t.token);
  }, 120_000);

  it("gives Grafana's --debugger-token the debugger role: sessions yes, token management no", async () => {
    const grafana = 'd41d8cd98f00b204e9800998ecf8427e0cc175b9c0f1b6a831c399e269772661';
    const out = await serve(['--debugger-token', grafana, '--api-token', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
    expect(out.match(/^ {17}(\w+) +kdbg_/gm)).toEqual([expect.stringMatching(/ingest/)]); // the admin was given
    const url = /REST API\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out)![1];
    const auth = { authorization: `Bearer ${grafana}` };
    expect((await getJson(`${url}/api/v1/sessions`, auth)).status).toBe(200);
    const mint = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', role: 'admin' }) });
    expect(mint.status).toBe(403);
  }, 60_000);
});

describe('kong-debugger token on the shared PostgreSQL database', () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: ReturnType<typeof openPool>;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = openPool(db.url, 2);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('creates, lists and revokes tokens every replica sees, with --database-url or DATABASE_URL', async () => {
    const created = await run(['token', 'create', '--name', 'ops', '--role', 'admin', '--tenant', 'team-p', '--database-url', db.url, '--json']);
    expect(created.code).toBe(0);
    const { token, id } = JSON.parse(created.stdout);
    const replica = await PgTokenStore.open(pool);
    expect(await replica.verify(token)).toEqual({ tokenId: id, name: 'ops', role: 'admin', tenant: 'team-p' });

    const list = await run(['token', 'list', '--json'], { DATABASE_URL: db.url });
    expect(JSON.parse(list.stdout).tokens.map((t: { id: string }) => t.id)).toEqual([id]);
    expect((await run(['token', 'revoke', id], { DATABASE_URL: db.url })).stdout).toBe(`revoked ${id}\n`);
    expect(await replica.verify(token)).toBeUndefined();
    const again = await run(['token', 'revoke', id, '--database-url', db.url]);
    expect([again.code, again.stderr]).toEqual([1, `error: no active token with id "${id}"\n`]);

    const notPg = await run(['token', 'list', '--database-url', 'mysql://root@127.0.0.1/x']);
    expect([notPg.code, notPg.stderr]).toEqual([1, 'error: --database-url (or DATABASE_URL) must be a postgres:// or postgresql:// URL\n']);
  }, 60_000);
});
