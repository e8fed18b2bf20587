import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alertmanagerPayload, grafanaPayload } from '../alerts/testing';
import { startServer, type RunningServer } from '../app';
import { encodeTracesProtobuf } from '../otlp/testing';
import { loadFixture } from '../testing/otlp-builders';
import { Gen, prng } from '../testing/fuzz';

/*
 * Bounded fuzz of the REST API through a real server: random JSON bodies, random query strings and
 * random path segments on every endpoint. Every reply must be 2xx, or 4xx with an ApiError body
 * ({statusCode, error, message}); never a 5xx, never a hang.
 * Fixed seed by default; widen with FUZZ_SEED=<n> FUZZ_MS=<ms> npx jest server/api/fuzz.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const BUDGET_MS = Number(process.env.FUZZ_MS ?? 5000);
const REQUEST_TIMEOUT_MS = 10_000;

const TRACE_DOC = loadFixture('kong-trace.otlp.json');
const TRACE_ID: string = TRACE_DOC.resourceSpans[0].scopeSpans[0].spans[0].traceId;

const ODD: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  0.5,
  1e308,
  -0,
  2 ** 53 + 1,
  10,
  1800,
  1801,
  100_000,
  100_001,
  '',
  ' ',
  'x',
  '10',
  'NaN',
  '\u0000',
  '\ud800',
  '😀',
  'a'.repeat(5000),
  [],
  [''],
  ['x'],
  [1],
  {},
  { type: 'basic' },
  { type: 'advanced', expression: 'http.path == "/"' },
  { type: 'advanced', expression: '((((' },
  { type: 'basic', routeIds: ['r1'] },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: 'x' },
];

/** ODD values are shared: hand out copies (a JSON round trip keeps an own "__proto__" key) */
const odd = (g: Gen): unknown => JSON.parse(JSON.stringify(g.pick(ODD)));

function randomJson(g: Gen, depth = 0): unknown {
  switch (depth > 3 ? g.int(3) : g.int(6)) {
    case 0:
      return odd(g);
    case 1:
      return g.rnd() * 10 ** g.int(25) * (g.chance(0.3) ? -1 : 1);
    case 2:
      return Array.from({ length: g.int(12) }, () => String.fromCharCode(g.int(0x3000))).join('');
    case 3:
      return Array.from({ length: g.int(4) }, () => randomJson(g, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = [
        'name',
        'rule',
        'durationSeconds',
        'maxTraces',
        'captureLogs',
        'type',
        'expression',
        'routeIds',
        'serviceIds',
        'role',
        'tenant',
        'colour',
        '__proto__',
        'constructor',
      ];
      for (let i = g.int(5); i > 0; i--) o[g.pick(keys)] = randomJson(g, depth + 1);
      return o;
    }
  }
}

/** a CreateSessionRequest with one or two fields made odd */
function sessionBody(g: Gen): unknown {
  const body: Record<string, unknown> = {
    name: 'fuzz',
    rule: g.chance(0.5)
      ? { type: 'advanced', expression: 'http.response.status_code >= 500' }
      : { type: 'basic', routeIds: ['r1'] },
    durationSeconds: 60,
    maxTraces: 10,
    captureLogs: true,
  };
  for (let i = 1 + g.int(2); i > 0; i--) {
    const k = g.pick([...Object.keys(body), 'rule.type', 'rule.expression', 'rule.routeIds', 'extra']);
    const v = g.chance(0.5) ? odd(g) : randomJson(g);
    if (k.startsWith('rule.')) {
      if (body.rule !== null && typeof body.rule === 'object') (body.rule as Record<string, unknown>)[k.slice(5)] = v;
    } else if (g.chance(0.2)) delete body[k];
    else body[k] = v;
  }
  return body;
}

const QUERY_KEYS = [
  'status',
  'minDurationMs',
  'method',
  'path',
  'routeId',
  'serviceId',
  'errorsOnly',
  'from',
  'to',
  'limit',
  'cursor',
  'traceId',
  'requestId',
  'consumerId',
  'clientAddress',
  'host',
  'upstreamStatus',
  'spanErrorsOnly',
  'attr.http.route',
  'attr.',
  'attr.__proto__',
  'spanId',
  'level',
  'sessionId',
  'action',
  'x',
  '__proto__',
  'constructor',
  'a[b]',
  'limit[]',
  '',
];
const QUERY_VALUES = [
  '',
  '0',
  '1',
  '-1',
  '1000',
  '1001',
  '5000',
  '5001',
  '1e3',
  'NaN',
  'Infinity',
  'true',
  'false',
  'yes',
  '2026-11-24T00:00:00Z',
  'not a date',
  '99999999999999999999999',
  TRACE_ID,
  'AAAAAAAAAAAAAAAAAAAAAA==',
  'zz',
  '%',
  '%zz',
  '%00',
  '%F0%9F%98%80',
  '%C0%AF',
  'eyJ4IjoxfQ',
  '!!',
  'a'.repeat(3000),
];

function query(g: Gen): string {
  if (g.chance(0.2)) return '';
  const parts: string[] = [];
  for (let i = 1 + g.int(4); i > 0; i--) {
    const k = g.pick(QUERY_KEYS);
    const v = g.pick(QUERY_VALUES);
    parts.push(g.chance(0.1) ? k : `${k}=${v}`);
  }
  return `?${parts.join(g.chance(0.9) ? '&' : ';')}`;
}

const SEGMENTS = [
  'x',
  '0',
  '..',
  '.',
  '%2e%2e',
  '%00',
  '%zz',
  '%2F',
  '%F0%9F%98%80',
  'a'.repeat(2000),
  TRACE_ID,
  TRACE_ID.toUpperCase(),
  TRACE_ID.slice(1),
  'AAAAAAAAAAAAAAAAAAAAAA==',
  '-',
  '__proto__',
  'constructor',
];

interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: (g: Gen) => unknown;
}

const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/api/v1/health' },
  { method: 'GET', path: '/api/v1/stats' },
  { method: 'GET', path: '/api/v1/entities' },
  {
    method: 'POST',
    path: '/api/v1/expressions/validate',
    body: (g) =>
      g.chance(0.5) ? { expression: g.chance(0.7) ? String(randomJson(g)) : randomJson(g) } : randomJson(g),
  },
  { method: 'POST', path: '/api/v1/sessions', body: (g) => (g.chance(0.7) ? sessionBody(g) : randomJson(g)) },
  { method: 'GET', path: '/api/v1/sessions' },
  { method: 'GET', path: '/api/v1/sessions/:id' },
  { method: 'POST', path: '/api/v1/sessions/:id/stop', body: randomJson },
  { method: 'DELETE', path: '/api/v1/sessions/:id' },
  { method: 'GET', path: '/api/v1/sessions/:id/traces' },
  { method: 'GET', path: '/api/v1/sessions/:id/logs' },
  { method: 'GET', path: '/api/v1/sessions/:id/summary' },
  { method: 'GET', path: '/api/v1/traces' },
  { method: 'GET', path: '/api/v1/traces/:traceId' },
  { method: 'GET', path: '/api/v1/traces/:traceId/summary' },
  { method: 'GET', path: '/api/v1/audit' },
  { method: 'GET', path: '/api/v1/tokens' },
  { method: 'POST', path: '/api/v1/tokens', body: randomJson },
  { method: 'DELETE', path: '/api/v1/tokens/:id' },
  {
    method: 'POST',
    path: '/api/v1/alerts/grafana',
    body: (g) =>
      g.chance(0.5)
        ? grafanaPayload([{ fingerprint: g.pick(SEGMENTS), labels: { route: g.pick(SEGMENTS), code: g.pick(SEGMENTS) }, annotations: g.chance(0.5) ? { kong_debugger_rule: JSON.stringify(randomJson(g)), kong_debugger_duration: g.pick(SEGMENTS) } : {} }])
        : randomJson(g),
  },
  { method: 'POST', path: '/api/v1/alerts/alertmanager', body: (g) => (g.chance(0.5) ? alertmanagerPayload([{ status: g.pick(['firing', 'resolved']), labels: { service: g.pick(SEGMENTS) } }]) : randomJson(g)) },
  { method: 'GET', path: '/api/v1/:x' },
  { method: 'POST', path: '/api/v1/sessions/:id/:x', body: randomJson },
];

let dataDir: string;
let server: RunningServer;
const sessionIds: string[] = [];
const tokenIds: string[] = [];
// production setup (token auth), fuzzing as the admin so every endpoint's handler is reachable
const ADMIN = { authorization: 'Bearer fuzz-admin-token' };

async function api(method: string, url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.apiUrl}${url}`, {
    method,
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-api-fuzz-'));
  server = await startServer({ dataDir, port: 0, otlpPort: 0, apiToken: ADMIN.authorization.slice(7) });
  // real ids, so the fuzz also reaches the handlers behind the lookups
  for (const rule of [
    { type: 'advanced', expression: '!(http.path == "#never#")' },
    { type: 'basic', routeIds: ['r1'] },
  ]) {
    const r = await api('POST', '/api/v1/sessions', { rule, durationSeconds: 600, captureLogs: true });
    expect(r.status).toBe(201);
    sessionIds.push(r.body.id);
  }
  const t = await api('POST', '/api/v1/tokens', { name: 'fuzz gateway', role: 'ingest' });
  expect(t.status).toBe(201);
  tokenIds.push(t.body.id);
  const res = await fetch(`${server.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.body.token}`, 'content-type': 'application/x-protobuf' },
    body: encodeTracesProtobuf(TRACE_DOC),
  });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function fillPath(g: Gen, template: string): string {
  return template.replace(/:(\w+)/g, (_m, name: string) => {
    if (g.chance(0.5)) {
      if (name === 'id') return sessionIds[g.int(sessionIds.length)];
      if (name === 'traceId') return TRACE_ID;
      if (name === 'id' && tokenIds.length > 0 && g.chance(0.3)) return tokenIds[0];
    }
    return g.pick(SEGMENTS);
  });
}

function bodyText(g: Gen, ep: Endpoint): { body?: string; contentType?: string } {
  if (ep.method === 'GET') return {};
  const roll = g.int(20);
  if (roll === 0) return { body: '{"rule": ', contentType: 'application/json' };
  if (roll === 1)
    return {
      body: 'name=x',
      contentType: g.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml']),
    };
  if (roll === 2) return { contentType: 'application/json' };
  if (roll === 3) return { body: '', contentType: 'application/json' };
  if (roll === 4) return { body: `${'['.repeat(50_000)}${']'.repeat(50_000)}`, contentType: 'application/json' };
  const value = (ep.body ?? randomJson)(g);
  return {
    body: JSON.stringify(value) ?? 'null',
    contentType: g.chance(0.95) ? 'application/json' : 'application/json; charset=latin1',
  };
}

/** null when the reply is well-formed, else what is wrong */
function checkReply(status: number, text: string): string | null {
  if (status >= 500) return `status ${status}: ${text.slice(0, 500)}`;
  if (status < 200 || (status >= 300 && status < 400)) return `unexpected status ${status}`;
  if (status === 204) return text === '' ? null : `204 with a body: ${text.slice(0, 200)}`;
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `status ${status} with a body that is not JSON: ${text.slice(0, 200)}`;
  }
  if (status >= 400) {
    if (
      parsed?.statusCode !== status ||
      typeof parsed.error !== 'string' ||
      typeof parsed.message !== 'string' ||
      parsed.message === ''
    )
      return `status ${status} without an ApiError body: ${text.slice(0, 300)}`;
  }
  return null;
}

it(
  `every endpoint answers random input with 2xx or a 4xx ApiError (seed ${SEED}, ${BUDGET_MS} ms)`,
  async () => {
    const g = new Gen(prng(SEED));
    const deadline = Date.now() + BUDGET_MS;
    const statuses: Record<number, number> = {};
    let n = 0;
    for (; Date.now() < deadline; n++) {
      const ep = g.pick(ENDPOINTS);
      const url = `${server.apiUrl}${fillPath(g, ep.path)}${query(g)}`;
      const { body, contentType } = bodyText(g, ep);
      const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
      // mostly the admin; sometimes no token or a bad one (401 must be an ApiError too)
      if (g.chance(0.95)) Object.assign(headers, ADMIN);
      else if (g.chance(0.5))
        headers.authorization = g.pick([
          'Bearer ',
          'Bearer x',
          'Basic eDp5',
          'bearer fuzz-admin-token ',
          'Bearer fuzz-admin-tokeN',
        ]);
      let failure: string | null;
      try {
        const res = await fetch(url, {
          method: ep.method,
          headers,
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        failure = checkReply(res.status, text);
      } catch (e) {
        failure = `request failed: ${(e as Error).message}`;
      }
      if (failure !== null) {
        throw new Error(
          `seed ${SEED} case ${n}: ${ep.method} ${url.slice(0, 400)} ${JSON.stringify({ ...headers, authorization: headers.authorization === ADMIN.authorization ? '<admin>' : headers.authorization })} body ${JSON.stringify(body?.slice(0, 400))}: ${failure}`
        );
      }
    }
    expect(n).toBeGreaterThan(100);
    // both outcomes were reached
    expect(statuses[200]).toBeGreaterThan(0);
    expect(statuses[400]).toBeGreaterThan(0);
    expect(statuses[404]).toBeGreaterThan(0);
    if (process.env.FUZZ_VERBOSE)
      process.stdout.write(`API fuzz: ${n} requests, statuses ${JSON.stringify(statuses)}\n`);
  },
  BUDGET_MS + 30_000
);
