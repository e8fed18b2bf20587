import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AlertWebhookResponse, Session } from '../../common/api';
import { alertmanagerPayload, grafanaPayload, type AlertSpec } from '../alerts/testing';
import { sign } from '../alerts/signature';
import { startServer, type RunningServer } from '../app';
import { openTokenStore } from '../auth/open-token-store';
import { KongAdminStandIn } from '../testing/kong-admin';
import { createTestDatabase } from '../testing/pg';

jest.setTimeout(30_000);

const ADMIN = 'bootstrap-admin-secret-0123456789';
const SECRET = 'grafana-hmac-secret';
const RULE = 'http.response.status_code >= 500 && http.path ^= "/checkout"';

let dataDir: string;
let servers: RunningServer[] = [];
let kong: KongAdminStandIn | undefined;
let databaseUrl: string | undefined;
const tok: Record<string, string> = {};

async function start(extra: Partial<Parameters<typeof startServer>[0]> = {}, dir = dataDir): Promise<RunningServer> {
  const s = await startServer({
    dataDir: dir,
    port: 0,
    otlpPort: 0,
    databaseUrl,
    keyProvider: false,
    auth: 'tokens',
    apiToken: ADMIN,
    alerts: { grafanaSignature: { secret: SECRET }, grafanaTenant: 'default', maxSessions: 3 },
    ...extra,
  });
  servers.push(s);
  return s;
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: any }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** as Grafana sends it: the exact bytes, signed with the contact point's secret */
function grafana(s: RunningServer, alerts: AlertSpec[], headers: Record<string, string> = {}, secret = SECRET) {
  const raw = JSON.stringify(grafanaPayload(alerts));
  return post(`${s.apiUrl}/api/v1/alerts/grafana`, raw, {
    'x-grafana-alerting-signature': sign(secret, raw),
    ...headers,
  });
}

async function get(s: RunningServer, p: string, token = ADMIN): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.apiUrl}${p}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

const sessionsOf = async (s: RunningServer, token = ADMIN): Promise<Session[]> =>
  (await get(s, '/api/v1/sessions', token)).body.sessions;
const withRule = (fingerprint: string, extra: AlertSpec = {}): AlertSpec => ({
  fingerprint,
  ...extra,
  annotations: { kong_debugger_rule: RULE, ...extra.annotations },
});

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-alerts-'));
});

afterEach(async () => {
  for (const s of servers.reverse()) await s.close();
  servers = [];
  await kong?.stop();
  kong = undefined;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe.each(['sqlite', 'postgres'] as const)('alerts start sessions (%s)', (kind) => {
  let drop: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    if (kind !== 'postgres') return;
    const db = await createTestDatabase('kdbg_alerts13');
    databaseUrl = db.url;
    drop = db.drop;
  });
  afterEach(async () => {
    for (const s of servers.reverse()) await s.close();
    servers = [];
    await drop?.();
    drop = undefined;
    databaseUrl = undefined;
  });

  async function tenantTokens(s: RunningServer) {
    const tokens = await openTokenStore(dataDir, s.store.sharedPool);
    for (const [key, role, tenant] of [
      ['debuggerBlue', 'debugger', 'blue'],
      ['viewerBlue', 'viewer', 'blue'],
    ] as const) {
      tok[key] = (await tokens.create(key, role, tenant)).token;
    }
    await tokens.close();
  }

  it('a signed Grafana webhook for a firing alert with kong_debugger_rule starts exactly one session with that rule, and keeps the alert', async () => {
    const s = await start();
    const r = await grafana(s, [
      withRule('c6eadffa33fcdf37', {
        labels: { route: 'checkout' },
        annotations: { kong_debugger_duration: '2m', kong_debugger_max_traces: '25' },
      }),
    ]);
    expect(r.status).toBe(200);
    const answer = r.body as AlertWebhookResponse;
    expect(answer.results).toEqual([
      {
        fingerprint: 'c6eadffa33fcdf37',
        alertname: 'KongHighErrorRate',
        outcome: 'started',
        sessionId: expect.any(String),
      },
    ]);
    const id = (answer.results[0] as { sessionId: string }).sessionId;

    const all = await sessionsOf(s);
    expect(all).toHaveLength(1);
    const session = (await get(s, `/api/v1/sessions/${id}`)).body as Session;
    expect(session).toMatchObject({
      status: 'in_progress',
      rule: { type: 'advanced', expression: RULE },
      durationSeconds: 120,
      maxTraces: 25,
      tenant: 'default',
    });
    expect(session.alert).toEqual({
      source: 'grafana',
      name: 'KongHighErrorRate',
      fingerprint: 'c6eadffa33fcdf37',
      labels: { alertname: 'KongHighErrorRate', route: 'checkout' },
      startsAt: '2026-12-06T20:51:03.157076+00:00',
      generatorURL: 'https://grafana.example.com/alerting/grafana/bf9x2c7z/view?orgId=1',
      dashboardURL: 'https://grafana.example.com/d/kong-overview?orgId=1',
      panelURL: 'https://grafana.example.com/d/kong-overview?orgId=1&viewPanel=4',
      ruleUid: 'bf9x2c7z',
    });

    // the same alert again, and a group re-notification next to a new alert: nothing new for it
    const again = await grafana(s, [withRule('c6eadffa33fcdf37')]);
    expect(again.body.results).toEqual([
      { fingerprint: 'c6eadffa33fcdf37', alertname: 'KongHighErrorRate', outcome: 'already_running', sessionId: id },
    ]);
    const group = await grafana(s, [withRule('c6eadffa33fcdf37'), withRule('0b5e1d2c3a4f5e6d')]);
    expect(group.body.results.map((x: any) => x.outcome)).toEqual(['already_running', 'started']);
    expect(await sessionsOf(s)).toHaveLength(2);

    // found by its fingerprint
    const found = await get(s, '/api/v1/sessions?alert=c6eadffa33fcdf37');
    expect(found.body.sessions.map((x: Session) => x.id)).toEqual([id]);
    expect((await get(s, '/api/v1/sessions?alert=ffffffffffffffff')).body.sessions).toEqual([]);
    expect((await get(s, '/api/v1/sessions?alrt=x')).status).toBe(400);
    // and by its Grafana rule (what an alert instance in Grafana's UI knows)
    expect((await get(s, '/api/v1/sessions?alertRule=bf9x2c7z')).body.sessions.map((x: Session) => x.id).sort()).toEqual(
      (await sessionsOf(s)).map((x: Session) => x.id).sort()
    );
    expect((await get(s, '/api/v1/sessions?alertRule=other')).body.sessions).toEqual([]);
    expect((await get(s, '/api/v1/sessions?alertRule=')).status).toBe(400);

    // audited as a session start, by the webhook, with the alert
    const audit = (await get(s, `/api/v1/audit?target=${id}`)).body.entries;
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'session.create',
        actor: { name: 'Grafana webhook (HMAC signed)' },
        details: expect.objectContaining({
          alert: { source: 'grafana', alertname: 'KongHighErrorRate', fingerprint: 'c6eadffa33fcdf37' },
        }),
      }),
    ]);

    // once it ended, the alert firing again starts a new one
    expect(
      (await post(`${s.apiUrl}/api/v1/sessions/${id}/stop`, {}, { authorization: `Bearer ${ADMIN}` })).status
    ).toBe(200);
    const next = await grafana(s, [withRule('c6eadffa33fcdf37')]);
    expect(next.body.results[0]).toMatchObject({ outcome: 'started' });
    expect(next.body.results[0].sessionId).not.toBe(id);
    expect((await get(s, '/api/v1/sessions?alert=c6eadffa33fcdf37')).body.sessions).toHaveLength(2);
  });

  it('answers an unsigned, wrongly signed or replayed webhook 401 and starts nothing', async () => {
    const s = await start({
      alerts: { grafanaSignature: { secret: SECRET, timestampHeader: 'X-Grafana-Alerting-Timestamp' } },
    });
    const raw = JSON.stringify(grafanaPayload([withRule('aa11')]));
    const now = String(Math.floor(Date.now() / 1000));
    const url = `${s.apiUrl}/api/v1/alerts/grafana`;
    const unsigned = await post(url, raw);
    expect(unsigned).toMatchObject({ status: 401, body: { message: expect.stringContaining('signature is missing') } });
    // a valid token does not replace the signature once a secret is set
    expect((await post(url, raw, { authorization: `Bearer ${ADMIN}` })).status).toBe(401);
    expect(
      (
        await post(url, raw, {
          'x-grafana-alerting-signature': sign('wrong', raw, now),
          'x-grafana-alerting-timestamp': now,
        })
      ).status
    ).toBe(401);
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    const replay = await post(url, raw, {
      'x-grafana-alerting-signature': sign(SECRET, raw, old),
      'x-grafana-alerting-timestamp': old,
    });
    expect(replay).toMatchObject({ status: 401, body: { message: expect.stringContaining('replayed') } });
    expect(await sessionsOf(s)).toEqual([]);

    const ok = await post(url, raw, {
      'x-grafana-alerting-signature': sign(SECRET, raw, now),
      'x-grafana-alerting-timestamp': now,
    });
    expect(ok.status).toBe(200);
    expect(await sessionsOf(s)).toHaveLength(1);
  });

  it('answers an invalid rule 400 with its position, and starts nothing of the payload', async () => {
    const s = await start();
    const r = await grafana(s, [
      withRule('aa01'),
      {
        fingerprint: 'aa02',
        annotations: { kong_debugger_rule: 'http.response.status_code >= 500 && htp.path == "/a"' },
      },
    ]);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('no session was started');
    expect(r.body.message).toContain('fingerprint aa02');
    expect(r.body.message).toContain('Unknown LHS field: htp.path');
    expect(r.body.errors).toEqual([{ message: expect.stringContaining('htp.path'), start: 36, end: 44 }]);
    expect(await sessionsOf(s)).toEqual([]);
  });

  it('answers a malformed payload 400 with a precise message', async () => {
    const s = await start({ alerts: {} });
    const url = `${s.apiUrl}/api/v1/alerts/grafana`;
    const auth = { authorization: `Bearer ${ADMIN}` };
    expect(await post(url, '{"alerts": [', auth)).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('not valid JSON') },
    });
    expect(await post(url, { version: '1', alerts: [{ status: 'firing' }] }, auth)).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('alerts[0].fingerprint') },
    });
    expect(await post(`${s.apiUrl}/api/v1/alerts/alertmanager`, grafanaPayload([{}]), auth)).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('version must be "4"') },
    });
    // without a secret the usual token is needed; a charset parameter is fine
    expect(await post(url, grafanaPayload([withRule('ab01')]))).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('API token is required') },
    });
    const ok = await post(url, grafanaPayload([withRule('ab01')]), {
      ...auth,
      'content-type': 'application/json; charset=utf-8',
    });
    expect(ok.body.results[0].outcome).toBe('started');
  });

  it('starts nothing for resolved alerts, and refuses an alert that names nothing to capture', async () => {
    const s = await start();
    const r = await grafana(s, [
      withRule('bb01', { status: 'resolved' }),
      { fingerprint: 'bb02', labels: { instance: 'kong:8100' } },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { fingerprint: 'bb01', alertname: 'KongHighErrorRate', outcome: 'resolved' },
      {
        fingerprint: 'bb02',
        alertname: 'KongHighErrorRate',
        outcome: 'refused',
        reason: expect.stringContaining('kong_debugger_rule'),
      },
    ]);
    expect(await sessionsOf(s)).toEqual([]);
  });

  it('caps concurrent alert sessions server-wide and says so per alert', async () => {
    const s = await start({ alerts: { grafanaSignature: { secret: SECRET }, maxSessions: 2 } });
    // a session started by hand does not count
    expect(
      (
        await post(
          `${s.apiUrl}/api/v1/sessions`,
          { rule: { type: 'advanced', expression: RULE }, durationSeconds: 60 },
          { authorization: `Bearer ${ADMIN}` }
        )
      ).status
    ).toBe(201);
    const r = await grafana(s, [withRule('cc01'), withRule('cc02'), withRule('cc03')]);
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: any) => x.outcome)).toEqual(['started', 'started', 'refused']);
    expect(r.body.results[2].reason).toContain('2 alert sessions are running');
    expect((await sessionsOf(s)).filter((x) => x.alert)).toHaveLength(2);
    // one ends: the refused alert, notified again, starts
    await post(
      `${s.apiUrl}/api/v1/sessions/${r.body.results[0].sessionId}/stop`,
      {},
      { authorization: `Bearer ${ADMIN}` }
    );
    const again = await grafana(s, [withRule('cc02'), withRule('cc03')]);
    expect(again.body.results.map((x: any) => x.outcome)).toEqual(['already_running', 'started']);
  });

  it('starts one session when the same alert arrives twice at once', async () => {
    const s = await start();
    const [a, b] = await Promise.all([grafana(s, [withRule('dd01')]), grafana(s, [withRule('dd01')])]);
    const outcomes = [a.body.results[0], b.body.results[0]];
    expect(outcomes.map((x) => x.outcome).sort()).toEqual(['already_running', 'started']);
    expect(outcomes[0].sessionId).toBe(outcomes[1].sessionId);
    expect(await sessionsOf(s)).toHaveLength(1);
  });

  it("puts the session in the token's tenant; a signed request without a token in --grafana-webhook-tenant", async () => {
    const s = await start({ alerts: { grafanaSignature: { secret: SECRET }, grafanaTenant: 'green' } });
    await tenantTokens(s);
    const blue = await grafana(s, [withRule('ee01')], { authorization: `Bearer ${tok.debuggerBlue}` });
    expect(blue.body.results[0].outcome).toBe('started');
    const green = await grafana(s, [withRule('ee01')]);
    // the same fingerprint in another tenant is another alert
    expect(green.body.results[0].outcome).toBe('started');
    expect(
      (await get(s, '/api/v1/sessions?alert=ee01', tok.debuggerBlue)).body.sessions.map((x: Session) => [
        x.id,
        x.tenant,
      ])
    ).toEqual([[blue.body.results[0].sessionId, 'blue']]);
    expect((await get(s, '/api/v1/sessions?alert=ee01')).body.sessions).toEqual([]); // the admin token is of the default tenant
    // a viewer may not start sessions, signed or not
    expect((await grafana(s, [withRule('ee02')], { authorization: `Bearer ${tok.viewerBlue}` })).status).toBe(403);
  });

  it("takes Alertmanager's webhook with a token, and resolves Kong's Prometheus labels through the Admin API", async () => {
    kong = await new KongAdminStandIn().start();
    const orders = kong.addService({ name: 'orders', host: 'orders.internal' });
    const checkout = kong.addRoute({ name: 'checkout', paths: ['/checkout'], service: orders.id });
    const s = await start({
      kong: {
        gateways: [{ name: 'eu', url: kong.url }],
        attempts: 2,
        backoffMs: 5,
        timeoutMs: 2000,
        reconcileIntervalMs: 60_000,
        startWaitMs: 0,
      },
    });
    await tenantTokens(s);
    const url = `${s.apiUrl}/api/v1/alerts/alertmanager`;
    const body = alertmanagerPayload([
      { fingerprint: '1111aaaa2222bbbb', labels: { service: 'orders', route: 'checkout', code: '503' } },
      { fingerprint: '3333cccc4444dddd', labels: { service: 'orders' } },
      { fingerprint: '5555eeee6666ffff', labels: { route: 'gone' } },
    ]);
    expect((await post(url, body)).status).toBe(401);
    expect((await post(url, body, { authorization: `Bearer ${tok.viewerBlue}` })).status).toBe(403);
    const r = await post(url, body, { authorization: `Bearer ${ADMIN}` });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: any) => x.outcome)).toEqual(['started', 'started', 'refused']);
    expect(r.body.results[2].reason).toContain('Kong has no route "gone"');
    const byRoute = (await get(s, `/api/v1/sessions/${r.body.results[0].sessionId}`)).body as Session;
    expect(byRoute.rule).toEqual({
      type: 'advanced',
      expression: `(proxy.kong.route.id == "${checkout.id}") && http.response.status_code == 503`,
    });
    expect(byRoute.alert).toMatchObject({
      source: 'alertmanager',
      fingerprint: '1111aaaa2222bbbb',
      generatorURL: expect.stringContaining('prometheus'),
    });
    expect((await get(s, `/api/v1/sessions/${r.body.results[1].sessionId}`)).body.rule).toEqual({
      type: 'basic',
      serviceIds: [orders.id],
    });
  });

  it('starts one session between two replicas given the same notification at once (the store keeps one running session per alert)', async () => {
    if (kind !== 'postgres') return; // SQLite serves one process
    const alerts = { grafanaSignature: { secret: SECRET }, maxSessions: 10 };
    const a = await start({ alerts });
    const b = await start({ alerts }, path.join(dataDir, 'b'));
    for (let i = 0; i < 5; i++) {
      const fp = `ff0${i}`;
      const [x, y] = await Promise.all([grafana(a, [withRule(fp)]), grafana(b, [withRule(fp)])]);
      const outcomes = [x.body.results[0], y.body.results[0]];
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['already_running', 'started']);
      expect(outcomes[0].sessionId).toBe(outcomes[1].sessionId);
    }
    expect(await sessionsOf(a)).toHaveLength(5);
  });
});
