/**
 * The data source against the real kong-debugger server (`kong-debugger serve` in a child process — jsdom's
 * timers cannot host the server in-process — with SQLite in a temp dir): a session is
 * created through the data source's api, the shared Kong OSS fixture is sent to the OTLP receiver, and every
 * query type is run. Only Grafana's proxy is imitated (httpBackendSrv).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import http from 'http';
import { spawn, type ChildProcess } from 'child_process';
import { dateTime, LoadingState, type DataQueryRequest, type DataQueryResponse, type DataSourceInstanceSettings } from '@grafana/data';
import { isObservable, type Observable } from 'rxjs';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { KongDebuggerDataSource } from './datasource';
import type { KongDebuggerOptions, KongDebuggerQuery } from './types';
import { httpBackendSrv, httpStreamFetch } from './testing/httpBackendSrv';
import { fetchStream } from './live/connect';
import { fakeTemplateSrv } from './testing/templateSrv';

/** queries without live parts answer once, as a promise */
const once = (r: Promise<DataQueryResponse> | Observable<DataQueryResponse>) => r as Promise<DataQueryResponse>;

const PROXY = '/api/datasources/proxy/uid/kdbg';
const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures');
const TRACE_ID = 'fe42545217a406e81da675f9d52a2532';
// what Grafana's data source holds (a debugger token: no token management) and what Kong sends; strong, or serve refuses them
const TOKEN = 'ds-test-debugger-7f3a91c2e84b5d06af1e';
const INGEST_TOKEN = 'ds-test-ingest-c52e8b17d94f3a60be2d';

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // the server runs with tokens: OTLP needs the (bootstrap) ingest token, as Kong's plugin would send it
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let server: { apiUrl: string; otlpUrl: string };
let child: ChildProcess;

/** Starts the CLI on random ports and reads the URLs it prints. */
function startCli(dir: string): Promise<{ apiUrl: string; otlpUrl: string }> {
  const root = path.resolve(__dirname, '../..');
  child = spawn(
    process.execPath,
    ['bin/kong-debugger.js', 'serve', '--port', '0', '--otlp-port', '0', '--data-dir', dir, '--debugger-token', TOKEN, '--ingest-token', INGEST_TOKEN],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const api = /REST API\s+(http:\/\/\S+?)\/api\/v1/.exec(out);
      const otlp = /OTLP\/HTTP\s+(http:\/\/\S+?)\/v1\/traces/.exec(out);
      if (api && otlp) {
        resolve({ apiUrl: api[1], otlpUrl: otlp[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`kong-debugger serve exited with ${code}: ${err}${out}`)));
  });
}
let dataDir: string;
let ds: KongDebuggerDataSource;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-ds-'));
  server = await startCli(dataDir);
  ds = new KongDebuggerDataSource({
    uid: 'kdbg',
    type: 'kongdbg-debugger-datasource',
    name: 'Kong Debugger',
    url: PROXY,
    jsonData: { url: server.apiUrl },
    meta: {} as never,
    readOnly: false,
    access: 'proxy',
  } as unknown as DataSourceInstanceSettings<KongDebuggerOptions>);
  setBackendSrv(httpBackendSrv(PROXY, server.apiUrl, TOKEN));
}, 30000); // tsx compiles the server's TypeScript on start

afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function request(...targets: Array<Partial<KongDebuggerQuery>>): DataQueryRequest<KongDebuggerQuery> {
  return {
    requestId: 'r',
    interval: '1s',
    intervalMs: 1000,
    range: { from: dateTime(0), to: dateTime(Date.now() + 3600_000), raw: { from: '0', to: 'now' } },
    scopedVars: {},
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), queryType: 'traces', ...t }) as KongDebuggerQuery),
    timezone: 'utc',
    app: 'explore',
    startTime: 0,
  };
}

it('captures the Kong fixture in a session and serves every query type', async () => {
  await expect(ds.testDatasource()).resolves.toMatchObject({ status: 'success' });
  const session = await ds.api.createSession({
    name: 'it',
    rule: { type: 'advanced', expression: 'http.method == "GET"' },
    durationSeconds: 60,
    captureLogs: true,
  });
  setTemplateSrv(fakeTemplateSrv({ session: session.id }));

  expect(await post(`${server.otlpUrl}/v1/traces`, fs.readFileSync(path.join(FIXTURES, 'kong-trace.otlp.json'), 'utf8'))).toBe(200);
  expect(await post(`${server.otlpUrl}/v1/logs`, fs.readFileSync(path.join(FIXTURES, 'kong-logs.otlp.json'), 'utf8'))).toBe(200);

  // ingestion may be batched: poll the traces query until the trace is there
  let traces;
  for (let i = 0; i < 50; i++) {
    traces = await once(ds.query(request({ queryType: 'traces', sessionId: '$session' })));
    if (traces.data[0]?.length) {
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(traces!.errors).toBeUndefined();
  expect(traces!.data[0].fields.find((f: { name: string }) => f.name === 'traceID').values).toEqual([TRACE_ID]);

  const res = await once(ds.query(
    request(
      { queryType: 'sessions' },
      { queryType: 'trace', traceId: TRACE_ID, sessionId: '$session' },
      { queryType: 'summary', traceId: TRACE_ID },
      { queryType: 'summary', sessionId: '$session' },
      { queryType: 'logs', sessionId: '$session', traceId: TRACE_ID },
      // Kong's request id (X-Kong-Request-Id) typed where a trace id goes, as in Explore; and a search with no session
      { queryType: 'trace', traceId: '93c5e8a78769b169441cb787d1edc1f9' },
      { queryType: 'traces', status: '2xx' }
    )
  ));
  expect(res.errors).toBeUndefined();
  const byRef = (refId: string) => res.data.filter((f) => f.refId === refId);
  expect(byRef('A')[0].fields.find((f: { name: string }) => f.name === 'id').values).toContain(session.id);
  expect(byRef('B')[0].meta.preferredVisualisationType).toBe('trace');
  expect(byRef('B')[0].length).toBe(21);
  expect(byRef('C').map((f) => f.name)).toEqual(['lifecycle', 'latency', 'tries']);
  expect(byRef('D')[0].meta.custom).toMatchObject({ kind: 'session', traceCount: 1 });
  const logs = byRef('E')[0];
  expect(logs.meta.type).toBe('log-lines');
  expect(logs.length).toBeGreaterThan(0);
  expect(byRef('F')[0].length).toBe(21);
  expect(byRef('F')[0].fields.find((f: { name: string }) => f.name === 'traceID').values[0]).toBe(TRACE_ID);
  const across = byRef('G')[0];
  expect(across.fields.find((f: { name: string }) => f.name === 'traceID').values).toEqual([TRACE_ID]);
  expect(across.fields.find((f: { name: string }) => f.name === 'sessionId').values).toEqual([session.id]);
  expect(across.fields.find((f: { name: string }) => f.name === 'requestId').values).toEqual(['93c5e8a78769b169441cb787d1edc1f9']);

  await expect(ds.api.validateExpression('http.method ==')).resolves.toMatchObject({ valid: false });
  const stopped = await ds.api.stopSession(session.id);
  expect(stopped.status).not.toBe('in_progress');
});

it('streams a trace stored while a live traces query runs, and ends with the session', async () => {
  ds.connectLive = fetchStream({ fetchImpl: httpStreamFetch(PROXY, server.apiUrl, TOKEN) });
  const session = await ds.api.createSession({ name: 'live', rule: { type: 'advanced', expression: 'http.method == "GET"' }, durationSeconds: 60 });
  const responses: DataQueryResponse[] = [];
  const answer = ds.query(request({ queryType: 'traces', sessionId: session.id, live: true }));
  if (!isObservable(answer)) {
    throw new Error('a live query streams');
  }
  let completed = false;
  const sub = answer.subscribe({ next: (r) => responses.push(r), complete: () => (completed = true) });
  const until = async (pred: () => boolean) => {
    for (let i = 0; i < 100 && !pred(); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(pred()).toBe(true);
  };
  const ids = (r: DataQueryResponse | undefined) => (r?.data[0]?.fields.find((f: { name: string }) => f.name === 'traceID')?.values ?? []) as string[];
  // the list as it stands: empty, streaming
  await until(() => responses.length > 0);
  expect(responses[0]).toMatchObject({ key: 'A', state: LoadingState.Streaming });
  expect(ids(responses[0])).toEqual([]);

  // a new trace (the fixture under a fresh id) arrives without re-running the query
  const liveId = 'ab'.repeat(16);
  const body = fs.readFileSync(path.join(FIXTURES, 'kong-trace.otlp.json'), 'utf8').split(TRACE_ID).join(liveId);
  expect(await post(`${server.otlpUrl}/v1/traces`, body)).toBe(200);
  await until(() => ids(responses.at(-1)).includes(liveId));
  expect(responses.at(-1)!.state).toBe(LoadingState.Streaming);

  await ds.api.stopSession(session.id);
  await until(() => completed);
  expect(responses.at(-1)).toMatchObject({ state: LoadingState.Done });
  expect(ids(responses.at(-1))).toEqual([liveId]);
  sub.unsubscribe();
}, 20000);

it('explains a wrong token', async () => {
  setBackendSrv(httpBackendSrv(PROXY, server.apiUrl, 'wrong'));
  const res = await ds.testDatasource();
  setBackendSrv(httpBackendSrv(PROXY, server.apiUrl, TOKEN));
  expect(res.status).toBe('error');
  expect(res.message).toMatch(/API token was rejected \(HTTP 401: the API token is not valid/);
});
