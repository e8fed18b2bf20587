import { lastValueFrom, type Observable } from 'rxjs';
import {
  dateTime,
  FieldType,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type TimeRange,
} from '@grafana/data';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { KongDebuggerDataSource } from './datasource';
import { DebuggerApiError } from './api';
import type { KongDebuggerOptions, KongDebuggerQuery } from './types';
import { FakeDebuggerServer, fakeBackendSrv } from './testing/fakeBackend';
import { fakeTemplateSrv } from './testing/templateSrv';
import { enterpriseTrace, ossLogs, ossTrace, session } from './testing/fixtures';

/** queries without live parts answer once, as a promise */
const once = (r: Promise<DataQueryResponse> | Observable<DataQueryResponse>) => r as Promise<DataQueryResponse>;

const PROXY = '/api/datasources/proxy/uid/kdbg';
const OSS = ossTrace();
const ENT = enterpriseTrace();

function settings(jsonData: KongDebuggerOptions = { url: 'http://kong-debugger:8080' }) {
  return {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- still part of the settings type
    id: 1,
    uid: 'kdbg',
    type: 'kongdbg-debugger-datasource',
    name: 'Kong Debugger',
    url: PROXY,
    jsonData,
    meta: {} as never,
    readOnly: false,
    access: 'proxy',
  } as DataSourceInstanceSettings<KongDebuggerOptions>;
}

function setup(overrides: Partial<FakeDebuggerServer['state']> = {}) {
  const server = new FakeDebuggerServer({
    sessions: [session(), session({ id: 'sess-2', name: 'idle', status: 'completed' })],
    traces: { 'sess-1': [OSS, ENT] },
    logs: { 'sess-1': ossLogs('sess-1', OSS) },
    token: 'secret',
    expectedToken: 'secret',
    ...overrides,
  });
  setBackendSrv(fakeBackendSrv(server, PROXY));
  setTemplateSrv(fakeTemplateSrv({ session: 'sess-1', spanId: '21355c6dc28da9a9', level: ['error', 'warn'], empty: '' }));
  return { server, ds: new KongDebuggerDataSource(settings()) };
}

const range: TimeRange = {
  from: dateTime(1751364900000),
  to: dateTime(1751365000000),
  raw: { from: 'now-1h', to: 'now' },
};

function request(...targets: Array<Partial<KongDebuggerQuery>>): DataQueryRequest<KongDebuggerQuery> {
  return {
    requestId: 'r',
    interval: '1s',
    intervalMs: 1000,
    range,
    scopedVars: {},
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), queryType: 'traces', ...t }) as KongDebuggerQuery),
    timezone: 'utc',
    app: 'explore',
    startTime: 0,
  };
}

describe('KongDebuggerDataSource.query', () => {
  it('sessions → the sessions table', async () => {
    const { ds } = setup();
    const res = await once(ds.query(request({ queryType: 'sessions' })));
    expect(res.errors).toBeUndefined();
    expect(res.data).toHaveLength(1);
    expect(res.data[0].name).toBe('sessions');
    expect(res.data[0].fields.find((f: { name: string }) => f.name === 'id').values).toEqual(['sess-1', 'sess-2']);
  });

  it('traces → a table for $session, with the time range and filters sent to the API', async () => {
    const { ds, server } = setup();
    const res = await once(ds.query(request({ queryType: 'traces', sessionId: '$session', errorsOnly: true, spanErrorsOnly: true, status: '5xx', method: '' })));
    expect(res.errors).toBeUndefined();
    const call = server.calls.find((c) => c.path === 'v1/sessions/sess-1/traces')!;
    expect(call.params).toEqual({ status: '5xx', errorsOnly: true, spanErrorsOnly: true, from: 1751364900000, to: 1751365000000 });
    const frame = res.data[0];
    expect(frame.name).toBe('traces');
    expect(frame.refId).toBe('A');
  });

  it('traces without a session → a search across sessions in the time range, each row with its session', async () => {
    const { ds, server } = setup({ traces: { 'sess-1': [OSS], 'sess-2': [ENT] } });
    const res = await once(ds.query(request({ queryType: 'traces', errorsOnly: true, limit: 20 })));
    expect(res.errors).toBeUndefined();
    const call = server.calls.find((c) => c.path === 'v1/traces')!;
    expect(call.params).toEqual({ errorsOnly: true, limit: 20, from: 1751364900000, to: 1751365000000 });
    const all = await once(ds.query(request({ queryType: 'traces' }, { queryType: 'traces', requestId: 'c0ffee0000000000000000000000beef' })));
    const col = (frame: { fields: Array<{ name: string; values: unknown[] }> }, n: string) => frame.fields.find((f) => f.name === n)!.values;
    // the OSS fixture is in the range (July 2025), the enterprise one is not
    expect(col(all.data[0], 'traceID')).toEqual([OSS.traceId]);
    expect(col(all.data[0], 'sessionId')).toEqual(['sess-1']);
    expect(col(all.data[0], 'requestId')).toEqual(['93c5e8a78769b169441cb787d1edc1f9']);
    // a request id is found whatever the time range
    expect(col(all.data[1], 'traceID')).toEqual([ENT.traceId]);
    expect(server.calls.filter((c) => c.path === 'v1/traces').at(-1)!.params).toEqual({ requestId: 'c0ffee0000000000000000000000beef' });
    // the row's link opens the trace in its own session
    const link = all.data[0].fields.find((f: { name: string }) => f.name === 'traceID').config.links[0];
    expect(link.internal.query).toMatchObject({ queryType: 'trace', traceId: '${__value.raw}', sessionId: '${__data.fields.sessionId}' });
  });

  it('trace by a Kong request id, typed where the trace id goes or in its own field, opens that trace', async () => {
    const { ds } = setup();
    // OSS request ids are 32 hex characters, like a trace id
    const typed = await once(ds.query(request({ queryType: 'trace', traceId: '93c5e8a78769b169441cb787d1edc1f9' })));
    expect(typed.errors).toBeUndefined();
    expect(typed.data[0].length).toBe(OSS.spans.length);
    expect(typed.data[0].fields.find((f: { name: string }) => f.name === 'traceID').values[0]).toBe(OSS.traceId);
    const field = await once(ds.query(request({ queryType: 'trace', requestId: 'c0ffee0000000000000000000000beef' })));
    expect(field.data[0].fields.find((f: { name: string }) => f.name === 'traceID').values[0]).toBe(ENT.traceId);
    // the session comes from the search, so span links reach the session's logs
    expect(field.data[0].fields.find((f: { name: string }) => f.name === 'spanID').config.links[0].internal.query.sessionId).toBe('sess-1');
    const enterpriseStyle = await once(ds.query(request({ queryType: 'trace', traceId: 'req-not-hex' })));
    expect(enterpriseStyle.errors![0].message).toBe('No stored trace has the trace id or Kong request id "req-not-hex".');
    const missing = await once(ds.query(request({ queryType: 'trace', requestId: 'nope' })));
    expect(missing.errors![0].message).toBe('No stored trace has the Kong request id "nope".');
  });

  it('trace → the TraceSpanRow frame of that trace', async () => {
    const { ds } = setup();
    const res = await once(ds.query(request({ queryType: 'trace', traceId: OSS.traceId, sessionId: '${session}' })));
    const frame = res.data[0];
    expect(frame.meta.preferredVisualisationType).toBe('trace');
    expect(frame.length).toBe(OSS.spans.length);
    // the session travels on so span links can reach the session's logs
    expect(frame.fields.find((f: { name: string }) => f.name === 'spanID').config.links[0].internal.query.sessionId).toBe('sess-1');
  });

  it('trace with a session → abnormal steps become span warnings in the trace view', async () => {
    // 20 copies of the enterprise trace whose key-auth took 100..119 µs: the original's 1 ms is above the session's p95
    const copies = Array.from({ length: 20 }, (_, i) => ({
      ...ENT,
      traceId: (i + 1).toString(16).padStart(32, '0'),
      spans: ENT.spans.map((sp) =>
        sp.name === 'kong.access.plugin.key-auth'
          ? { ...sp, endTimeUnixNano: (BigInt(sp.startTimeUnixNano) + BigInt(100_000 + i * 1000)).toString(), durationNs: 100_000 + i * 1000 }
          : sp
      ),
    }));
    const { ds } = setup({ traces: { 'sess-1': [ENT, ...copies] } });
    const res = await once(ds.query(request({ queryType: 'trace', traceId: ENT.traceId, sessionId: 'sess-1' })));
    const frame = res.data[0];
    const ids = frame.fields.find((f: { name: string }) => f.name === 'spanID').values;
    const warnings = frame.fields.find((f: { name: string }) => f.name === 'warnings').values;
    const keyAuth = ids.indexOf('a00000000000000c');
    expect(warnings[keyAuth]).toEqual([
      "Abnormal step: key-auth took 1ms, above the session's p95 (p50 110µs, p95 119µs; percentile 100 of 21 traces)",
    ]);
    expect(warnings.filter((w: unknown) => w !== undefined)).toHaveLength(1);
  });

  it('statistics → a table of span names sorted by self time', async () => {
    const { ds, server } = setup();
    const res = await once(ds.query(request({ queryType: 'statistics', traceId: ENT.traceId, groupBy: 'plugin' })));
    const frame = res.data[0];
    expect(frame.name).toBe('statistics');
    expect(frame.meta.preferredVisualisationType).toBe('table');
    const col = (n: string) => frame.fields.find((f: { name: string }) => f.name === n);
    expect(col('name').values[0]).toBe('kong.read_headers_from_upstream');
    expect(col('self').values[0]).toBe(20_000_000);
    expect(col('self').config.unit).toBe('ns');
    const row = col('name').values.indexOf('plugin rate-limiting-advanced');
    expect([col('count').values[row], col('self').values[row], col('phase').values[row]]).toEqual([2, 450_000, 'access,header_filter']);
    expect(server.calls.at(-1)).toMatchObject({ path: `v1/traces/${ENT.traceId}/statistics`, params: { groupBy: 'plugin' } });
    const missing = await once(ds.query(request({ queryType: 'statistics' })));
    expect(missing.errors?.[0].message).toBe('Statistics are per trace: set a trace id.');
  });

  it('logs → log-lines for one span ($spanId), levels from a multi-value variable, no time bounds', async () => {
    const { ds, server } = setup();
    const res = await once(ds.query(
      request({ queryType: 'logs', sessionId: '$session', traceId: OSS.traceId, spanId: '$spanId', levels: ['$level'] })
    ));
    expect(res.errors).toBeUndefined();
    const call = server.calls.find((c) => c.path === 'v1/sessions/sess-1/logs')!;
    expect(call.params).toEqual({ traceId: OSS.traceId, spanId: '21355c6dc28da9a9', level: 'error,warn', limit: 100 });
    const frame = res.data[0];
    expect(frame.meta.type).toBe('log-lines');
    expect(frame.length).toBe(1);
    expect(frame.fields.find((f: { name: string }) => f.name === 'severity').values).toEqual(['error']);
  });

  it('logs of a whole session follow the dashboard time range; an empty span variable means no span filter', async () => {
    const { ds, server } = setup();
    await once(ds.query(request({ queryType: 'logs', sessionId: 'sess-1', spanId: '$empty' })));
    expect(server.calls.find((c) => c.path === 'v1/sessions/sess-1/logs')!.params).toEqual({
      from: 1751364900000,
      to: 1751365000000,
      limit: 100,
    });
  });

  it("logs of a span without a session: asked by trace, the frame names the session the server found", async () => {
    const { ds, server } = setup();
    const res = await once(ds.query(request({ queryType: 'logs', traceId: OSS.traceId, spanId: '$spanId' })));
    expect(res.errors).toBeUndefined();
    const call = server.calls.find((c) => c.path === `v1/traces/${OSS.traceId}/logs`)!;
    expect(call.params).toEqual({ spanId: '21355c6dc28da9a9', limit: 100 });
    const ofSpan = ossLogs('sess-1', OSS).filter((l) => l.spanId === '21355c6dc28da9a9');
    expect(ofSpan.length).toBeGreaterThan(0);
    expect(res.data[0].length).toBe(ofSpan.length);
    expect(res.data[0].meta.custom.sessionId).toBe('sess-1');
    const none = await once(ds.query(request({ queryType: 'logs' })));
    expect(none.errors?.[0].message).toMatch(/pick one .* or give a trace id/);
  });

  it('pages logs: meta.limit is the page size, meta.custom.nextCursor reads the next (older) page', async () => {
    const { ds, server } = setup();
    const all = ossLogs('sess-1', OSS);
    const first = await once(ds.query(request({ queryType: 'logs', sessionId: 'sess-1', traceId: OSS.traceId, limit: 2 })));
    const page1 = first.data[0];
    expect(page1.meta.limit).toBe(2);
    expect(page1.length).toBe(2);
    const cursor = page1.meta.custom.nextCursor;
    expect(typeof cursor).toBe('string');
    const ids: string[] = [...page1.fields.find((f: { name: string }) => f.name === 'id').values];
    let next = cursor;
    while (next) {
      const res = await once(ds.query(request({ queryType: 'logs', sessionId: 'sess-1', traceId: OSS.traceId, limit: 2, cursor: next })));
      ids.push(...res.data[0].fields.find((f: { name: string }) => f.name === 'id').values);
      next = res.data[0].meta.custom.nextCursor;
    }
    const ofTrace = all.filter((l) => l.traceId === OSS.traceId);
    expect(new Set(ids).size).toBe(ofTrace.length);
    expect(ids.length).toBe(ofTrace.length);
    expect(server.calls.filter((c) => c.path === 'v1/sessions/sess-1/logs').at(-1)!.params).toMatchObject({ limit: 2, cursor: expect.any(String) });
  });

  it('annotations: sessions as regions from start to stop, inside the range only', async () => {
    const inRange = session({ id: 'a', name: 'checkout', status: 'completed', startedAt: new Date(1751364950000).toISOString(), endedAt: new Date(1751364990000).toISOString() });
    const before = session({ id: 'b', name: 'old', status: 'completed', startedAt: new Date(1751300000000).toISOString(), endedAt: new Date(1751300060000).toISOString() });
    const { ds } = setup({ sessions: [inRange, before] });
    expect(ds.annotations?.getDefaultQuery?.()).toEqual({ queryType: 'annotations' });
    const res = await once(ds.query(request({ queryType: 'annotations' })));
    const frame = res.data[0];
    const v = (n: string) => frame.fields.find((f: { name: string }) => f.name === n).values;
    expect(v('time')).toEqual([1751364950000]);
    expect(v('timeEnd')).toEqual([1751364990000]);
    expect(v('title')).toEqual(['Kong debug session checkout']);
    expect(v('tags')).toEqual([['kong-debugger', 'completed']]);
  });

  it('summary by trace → lifecycle + latency (trace mode); by session → session mode', async () => {
    const { ds } = setup();
    const byTrace = await once(ds.query(request({ queryType: 'summary', traceId: ENT.traceId })));
    expect(byTrace.data.map((f) => f.name)).toEqual(['lifecycle', 'latency', 'tries']);
    expect(byTrace.data[0].meta.custom.kind).toBe('trace');
    expect(byTrace.data[0].fields.find((f: { name: string }) => f.name === 'durationNs').type).toBe(FieldType.number);
    const bySession = await once(ds.query(request({ queryType: 'summary', sessionId: '$session' })));
    expect(bySession.data[0].meta.custom).toMatchObject({ kind: 'session', sessionId: 'sess-1', traceCount: 2 });
    expect(bySession.data[1].fields.map((f: { name: string }) => f.name)).toEqual(['metric', 'label', 'p50Ms', 'p95Ms', 'p99Ms', 'maxMs']);
  });

  it('summary of a trace with a session and compareTo: asks for its standing and comparison, carried by the lifecycle frame', async () => {
    const { ds, server } = setup({ minSamples: 1 });
    const res = await once(ds.query(request({ queryType: 'summary', traceId: ENT.traceId, sessionId: '$session', compareTo: OSS.traceId })));
    const paths = server.calls.map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining([`v1/traces/${ENT.traceId}/summary`, `v1/traces/${ENT.traceId}/abnormal`, `v1/traces/${ENT.traceId}/compare/${OSS.traceId}`]));
    expect(server.calls.find((c) => c.path.endsWith('/abnormal'))!.params).toMatchObject({ sessionId: 'sess-1' });
    const custom = res.data[0].meta.custom;
    expect(custom).toMatchObject({ kind: 'trace', sessionId: 'sess-1', compareTo: OSS.traceId });
    expect(custom.standing).toMatchObject({ traceId: ENT.traceId, sessionId: 'sess-1' });
    expect(custom.standing.nodes.length).toBeGreaterThan(0);
    expect(custom.comparison.a.traceId).toBe(ENT.traceId);
    expect(custom.comparison.b.traceId).toBe(OSS.traceId);
    expect(custom.comparison.nodes.length).toBeGreaterThan(0);
    expect(res.data[0].meta.notices).toBeUndefined();
    // the latency frame is unchanged: the analysis travels once, with the map
    expect(res.data[1].meta.custom).toEqual({ kind: 'trace', traceId: ENT.traceId });
  });

  it('summary compared with the typical trace passes the session; a failed comparison keeps the map and says why', async () => {
    const { ds, server } = setup();
    const typical = await once(ds.query(request({ queryType: 'summary', traceId: ENT.traceId, sessionId: 'sess-1', compareTo: 'typical' })));
    expect(server.calls.find((c) => c.path.endsWith('/compare/typical'))!.params).toMatchObject({ sessionId: 'sess-1' });
    expect(typical.data[0].meta.custom.comparison.typical).toMatchObject({ traceId: OSS.traceId, basis: 'session' });

    const missing = 'ffffffffffffffffffffffffffffffff';
    const res = await once(ds.query(request({ queryType: 'summary', traceId: ENT.traceId, compareTo: missing })));
    expect(res.errors).toBeUndefined();
    expect(res.data.map((f) => f.name)).toEqual(['lifecycle', 'latency', 'tries']);
    expect(res.data[0].meta.custom).toMatchObject({ compareTo: missing, comparisonError: `trace ${missing} not found` });
    expect(res.data[0].meta.custom.comparison).toBeUndefined();
    expect(res.data[0].meta.notices).toEqual([{ severity: 'error', text: `Could not compare: trace ${missing} not found` }]);
    // no session: no standing asked
    expect(server.calls.filter((c) => c.path.endsWith('/abnormal'))).toHaveLength(1);
  });

  it("reports a bad query on its own refId and still returns the others' data", async () => {
    const { ds } = setup();
    const res = await once(ds.query(
      request({ queryType: 'sessions' }, { queryType: 'traces', sessionId: 'nope' }, { queryType: 'trace', traceId: 'ffffffffffffffffffffffffffffffff' })
    ));
    expect(res.data.map((f) => f.refId)).toEqual(['A']);
    expect(res.errors).toEqual([
      { refId: 'B', message: 'session nope not found', status: 404 },
      { refId: 'C', message: 'No stored trace has the trace id or Kong request id "ffffffffffffffffffffffffffffffff".' },
    ]);
  });

  it('skips hidden queries', async () => {
    const { ds, server } = setup();
    const res = await once(ds.query(request({ queryType: 'sessions', hide: true })));
    expect(res.data).toEqual([]);
    expect(server.calls).toEqual([]);
  });

  it("surfaces the backend's message on 401", async () => {
    const { ds } = setup({ token: 'wrong' });
    const res = await once(ds.query(request({ queryType: 'sessions' })));
    expect(res.errors![0]).toMatchObject({ refId: 'A', status: 401, message: 'missing or invalid API token' });
  });
});

describe('KongDebuggerDataSource.getQueryDisplayText', () => {
  it("names the query type and its ids; a summary says what it compares with", () => {
    const { ds } = setup();
    expect(ds.getQueryDisplayText({ refId: 'A', queryType: 'traces', sessionId: 'sess-1' })).toBe('traces sessionId=sess-1');
    expect(ds.getQueryDisplayText({ refId: 'A', queryType: 'summary', traceId: 'abc', sessionId: 'sess-1', compareTo: 'typical' })).toBe(
      'summary sessionId=sess-1 traceId=abc compareTo=typical'
    );
    expect(ds.getQueryDisplayText({ refId: 'A', queryType: 'summary', traceId: 'abc', compareTo: 'fedcba9876543210fedcba9876543210' })).toBe(
      'summary traceId=abc compareTo=fedcba9876543210fedcba9876543210'
    );
    expect(ds.getQueryDisplayText({ refId: 'A', queryType: 'summary', traceId: 'abc' })).toBe('summary traceId=abc');
  });
});

describe('KongDebuggerDataSource.api', () => {
  it('validateExpression returns the rule errors', async () => {
    const { ds } = setup();
    await expect(ds.api.validateExpression('http.path === "/x"')).resolves.toEqual({
      valid: false,
      errors: [{ message: 'unexpected "="', start: 12, end: 13 }],
    });
  });

  it('throws DebuggerApiError with the ApiError message and status', async () => {
    const { ds } = setup();
    const err = await ds.api.getSession('nope').catch((e) => e);
    expect(err).toBeInstanceOf(DebuggerApiError);
    expect(err).toMatchObject({ status: 404, message: 'session nope not found' });
  });
});

describe('KongDebuggerDataSource.testDatasource', () => {
  it('succeeds with the server version when health and the token check pass', async () => {
    const { ds } = setup();
    await expect(ds.testDatasource()).resolves.toEqual({
      status: 'success',
      message: 'Connected to kong-debugger 0.1.0 (store: sqlite, running sessions: 1); API token accepted.',
    });
  });

  it('explains a rejected token', async () => {
    const { ds } = setup({ token: undefined });
    const res = await ds.testDatasource();
    expect(res.status).toBe('error');
    expect(res.message).toMatch(/API token was rejected \(HTTP 401: missing or invalid API token\)/);
  });

  it('explains an unreachable server', async () => {
    const { ds } = setup({ unreachable: true });
    const res = await ds.testDatasource();
    expect(res.status).toBe('error');
    expect(res.message).toMatch(/^Cannot reach the kong-debugger server at http:\/\/kong-debugger:8080/);
  });

  it('asks for a URL when none is configured', async () => {
    setup();
    const ds = new KongDebuggerDataSource(settings({}));
    await expect(ds.testDatasource()).resolves.toMatchObject({ status: 'error', message: expect.stringMatching(/^Set the URL/) });
  });
});

describe('variables and interpolation', () => {
  it('the variable support lists sessions as text = name, value = id, filtered by status', async () => {
    const { ds } = setup();
    const res = await lastValueFrom(
      (ds.variables as unknown as { query: Function }).query({ targets: [{ refId: 'v', statuses: ['completed'] }] })
    );
    const frame = (res as { data: Array<{ fields: Array<{ name: string; values: unknown[] }> }> }).data[0];
    expect(frame.fields.map((f) => [f.name, f.values])).toEqual([
      ['text', ['idle']],
      ['value', ['sess-2']],
    ]);
    await expect(ds.metricFindQuery()).resolves.toEqual([
      { text: 'checkout 5xx', value: 'sess-1' },
      { text: 'idle', value: 'sess-2' },
    ]);
  });

  it('interpolateVariablesInQueries resolves every string field and sets the data source', () => {
    const { ds } = setup();
    const [q] = ds.interpolateVariablesInQueries(
      [
        {
          refId: 'A',
          queryType: 'traces',
          sessionId: '$session',
          traceId: '${spanId}',
          spanId: '$spanId',
          status: '$session',
          method: '$session',
          path: '/$session',
          routeId: '$session',
          serviceId: '$unknown',
        },
      ],
      { session: { text: 'x', value: 'scoped' } }
    );
    expect(q).toMatchObject({
      sessionId: 'scoped',
      traceId: '21355c6dc28da9a9',
      spanId: '21355c6dc28da9a9',
      status: 'scoped',
      method: 'scoped',
      path: '/scoped',
      routeId: 'scoped',
      serviceId: '$unknown',
      datasource: { type: 'kongdbg-debugger-datasource', uid: 'kdbg' },
    });
  });
});
