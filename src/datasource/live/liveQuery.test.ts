import {
  dateTime,
  LoadingState,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
} from '@grafana/data';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { isObservable, type Observable } from 'rxjs';
import type { LiveEventName, LiveEvents, LogRecord, TraceListItem } from '../../../common/api';
import { KongDebuggerDataSource } from '../datasource';
import { FakeDebuggerServer, fakeBackendSrv } from '../testing/fakeBackend';
import { enterpriseTrace, ossLogs, ossTrace, session, traceListItem } from '../testing/fixtures';
import { fakeTemplateSrv } from '../testing/templateSrv';
import type { KongDebuggerOptions, KongDebuggerQuery } from '../types';
import { LiveStreamError, type LiveHandlers } from './connect';

const PROXY = '/api/datasources/proxy/uid/kdbg';
const OSS = ossTrace();
const ENT = enterpriseTrace();

/** A fake event source: the test pushes the server's events. */
class FakeStream {
  closed = false;
  private n = 0;
  constructor(
    readonly url: string,
    private readonly h: LiveHandlers
  ) {}
  send<N extends LiveEventName>(event: N, data: LiveEvents[N]): void {
    this.h.event({ id: String(++this.n), event, data: JSON.stringify(data) });
  }
  fail(err: LiveStreamError): void {
    this.h.error(err);
  }
}

function setup(sessionStatus: 'in_progress' | 'completed' = 'in_progress') {
  const server = new FakeDebuggerServer({
    sessions: [session({ status: sessionStatus })],
    traces: { 'sess-1': [OSS, ENT] },
    logs: { 'sess-1': ossLogs('sess-1', OSS) },
    token: 'secret',
    expectedToken: 'secret',
  });
  setBackendSrv(fakeBackendSrv(server, PROXY));
  setTemplateSrv(fakeTemplateSrv({ session: 'sess-1' }));
  const ds = new KongDebuggerDataSource({
    uid: 'kdbg',
    type: 'kongdbg-debugger-datasource',
    name: 'Kong Debugger',
    url: PROXY,
    jsonData: {},
    meta: {} as never,
    readOnly: false,
    access: 'proxy',
  } as unknown as DataSourceInstanceSettings<KongDebuggerOptions>);
  const streams: FakeStream[] = [];
  ds.connectLive = (url, h) => {
    const s = new FakeStream(url, h);
    streams.push(s);
    return { close: () => (s.closed = true) };
  };
  return { ds, streams };
}

function request(
  targets: Array<Partial<KongDebuggerQuery>>,
  extra: Partial<DataQueryRequest<KongDebuggerQuery>> = {}
): DataQueryRequest<KongDebuggerQuery> {
  return {
    requestId: 'r',
    interval: '1s',
    intervalMs: 1000,
    range: { from: dateTime(0), to: dateTime(Date.now() + 3_600_000), raw: { from: 'now-1h', to: 'now' } },
    scopedVars: {},
    targets: targets.map(
      (t, i) => ({ refId: String.fromCharCode(65 + i), queryType: 'traces', ...t }) as KongDebuggerQuery
    ),
    timezone: 'utc',
    app: 'explore',
    startTime: 0,
    ...extra,
  };
}

/** subscribes and records every response, and whether the observable completed */
function record(o: Observable<DataQueryResponse> | Promise<DataQueryResponse>) {
  if (!isObservable(o)) {
    throw new Error('expected a streaming answer');
  }
  const out = { responses: [] as DataQueryResponse[], done: false, unsubscribe: () => {} };
  const sub = o.subscribe({ next: (r) => out.responses.push(r), complete: () => (out.done = true) });
  out.unsubscribe = () => sub.unsubscribe();
  return out;
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const traceIds = (r: DataQueryResponse) =>
  r.data[0].fields.find((f: { name: string }) => f.name === 'traceID').values as string[];
const item = (id: string, over: Partial<TraceListItem> = {}): TraceListItem => ({
  ...traceListItem(ENT),
  traceId: id,
  startTimeMs: Date.now(),
  ...over,
});

describe('live queries', () => {
  it("stream a running session's traces: the list as it stands, then each new trace, until the session ends", async () => {
    const { ds, streams } = setup();
    const rec = record(ds.query(request([{ queryType: 'traces', sessionId: '$session', live: true, status: '5xx' }])));
    expect(streams).toHaveLength(1);
    expect(streams[0].url).toBe(`${PROXY}/api/v1/sessions/sess-1/stream?since=now`);
    // nothing is listed before the stream is open at the server (its first event)
    expect(rec.responses).toHaveLength(0);
    streams[0].send('status', session());
    await flush();
    const listed = rec.responses.at(-1)!;
    expect(listed.state).toBe(LoadingState.Streaming);
    expect(listed.key).toBe('A');
    expect(new Set(traceIds(listed))).toEqual(new Set([OSS.traceId, ENT.traceId]));

    const fresh = 'a'.repeat(32);
    streams[0].send('traces', {
      traces: [item(fresh, { statusCode: 502 }), item('b'.repeat(32), { statusCode: 200 })],
    });
    const next = rec.responses.at(-1)!;
    expect(next.state).toBe(LoadingState.Streaming);
    // newest first; the 200 is not a 5xx and stays out
    expect(traceIds(next)[0]).toBe(fresh);
    expect(traceIds(next)).not.toContain('b'.repeat(32));
    expect(traceIds(next)).toHaveLength(3);

    // a row sent again (a resumed stream) replaces itself
    streams[0].send('traces', { traces: [item(fresh, { statusCode: 502, spanCount: 9 })] });
    expect(traceIds(rec.responses.at(-1)!)).toHaveLength(3);
    expect(rec.responses.at(-1)!.data[0].fields.find((f: { name: string }) => f.name === 'spanCount').values[0]).toBe(
      9
    );

    streams[0].send('status', session({ status: 'completed' }));
    expect(rec.responses.at(-1)!.state).toBe(LoadingState.Done);
    expect(traceIds(rec.responses.at(-1)!)).toHaveLength(3);
    expect(rec.done).toBe(true);
    expect(streams[0].closed).toBe(true);
  });

  it('answer an ended session once, with Done, and close the stream', async () => {
    const { ds, streams } = setup('completed');
    const rec = record(ds.query(request([{ queryType: 'traces', sessionId: 'sess-1', live: true }])));
    streams[0].send('status', session({ status: 'completed' }));
    await flush();
    expect(rec.responses).toHaveLength(1);
    expect(rec.responses[0].state).toBe(LoadingState.Done);
    expect(traceIds(rec.responses[0])).toHaveLength(2);
    expect(rec.done).toBe(true);
    expect(streams[0].closed).toBe(true);
  });

  it("follow Explore's live tail for logs, keeping the query's filters, and stop when unsubscribed", async () => {
    const { ds, streams } = setup();
    const rec = record(
      ds.query(request([{ queryType: 'logs', sessionId: 'sess-1', levels: ['error'] }], { liveStreaming: true }))
    );
    streams[0].send('status', session());
    await flush();
    const before = rec.responses.at(-1)!.data[0].length;
    const base = ossLogs('sess-1', OSS)[0];
    const log = (id: string, level: LogRecord['level']): LogRecord => ({
      ...base,
      id,
      level,
      timeUnixNano: `${Date.now()}000000`,
      timeMs: Date.now(),
    });
    streams[0].send('logs', { logs: [log('9001', 'error'), log('9002', 'info')] });
    const after = rec.responses.at(-1)!;
    expect(after.state).toBe(LoadingState.Streaming);
    expect(after.data[0].length).toBe(before + 1);
    expect(after.data[0].fields.find((f: { name: string }) => f.name === 'id').values[0]).toBe('9001');
    rec.unsubscribe();
    expect(streams[0].closed).toBe(true);
  });

  it('run the other queries of the request once, under their own keys', async () => {
    const { ds, streams } = setup();
    const rec = record(
      ds.query(request([{ queryType: 'traces', sessionId: 'sess-1', live: true }, { queryType: 'sessions' }]))
    );
    await flush();
    expect(rec.responses.find((r) => r.key === 'B')).toMatchObject({ state: LoadingState.Done });
    streams[0].send('status', session());
    await flush();
    expect(rec.responses.at(-1)).toMatchObject({ key: 'A', state: LoadingState.Streaming });
  });

  it("say why a stream failed, on the query's refId", async () => {
    const { ds, streams } = setup();
    const rec = record(ds.query(request([{ queryType: 'traces', sessionId: 'gone', live: true }])));
    streams[0].fail(new LiveStreamError('no debug session with id "gone"', 404));
    expect(rec.responses).toEqual([
      expect.objectContaining({
        key: 'A',
        state: LoadingState.Error,
        errors: [expect.objectContaining({ refId: 'A', message: 'no debug session with id "gone"', status: 404 })],
      }),
    ]);
    expect(rec.done).toBe(true);
  });

  it('need a session', async () => {
    const { ds } = setup();
    const rec = record(ds.query(request([{ queryType: 'traces', live: true }])));
    expect(rec.responses[0]).toMatchObject({
      state: LoadingState.Error,
      errors: [{ message: expect.stringMatching(/live query needs a session/) }],
    });
  });
});
