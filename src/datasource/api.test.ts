import { setBackendSrv } from '@grafana/runtime';
import { DebuggerApi, DebuggerApiError, toApiError, toParams } from './api';
import { FakeDebuggerServer, fakeBackendSrv } from './testing/fakeBackend';
import { session } from './testing/fixtures';

describe('toParams', () => {
  it('drops empty values and keeps falsy-but-meaningful ones', () => {
    expect(toParams({ a: undefined, b: '', c: 0, d: false, e: 'x', f: NaN, g: null })).toEqual({ c: 0, d: false, e: 'x' });
  });
});

describe('toApiError', () => {
  it("keeps the backend's ApiError message, status and rule errors", () => {
    const err = toApiError(
      {
        status: 400,
        statusText: 'Bad Request',
        data: { statusCode: 400, error: 'Bad Request', message: 'invalid expression', errors: [{ message: 'unknown field', start: 0, end: 4 }] },
      },
      'create session'
    );
    expect(err).toBeInstanceOf(DebuggerApiError);
    expect(err).toMatchObject({ message: 'invalid expression', status: 400, errors: [{ message: 'unknown field', start: 0, end: 4 }] });
  });

  it('describes an HTTP failure without an ApiError body', () => {
    expect(toApiError({ status: 502, statusText: 'Bad Gateway', data: '' }, 'list sessions').message).toBe(
      'list sessions failed: HTTP 502 Bad Gateway'
    );
    expect(toApiError({ status: 0, data: undefined }, 'health check').message).toBe(
      'health check failed: no response (server unreachable?)'
    );
  });

  it('wraps any other exception with what was being done', () => {
    const err = toApiError(new TypeError('boom'), 'get trace');
    expect(err).toMatchObject({ message: 'get trace failed: boom', status: 0 });
  });
});

describe('DebuggerApi.listSessions', () => {
  const PROXY = '/api/datasources/proxy/uid/kdbg';
  const alert = (ruleUid: string, fingerprint: string) => ({ source: 'grafana' as const, name: 'KongErrors', fingerprint, labels: { alertname: 'KongErrors' }, ruleUid });

  function setup() {
    const server = new FakeDebuggerServer({
      sessions: [session({ id: 'a1', alert: alert('rule-a', 'f1') }), session({ id: 'b1', alert: alert('rule-b', 'f2') }), session({ id: 'm1' })],
      traces: {},
      logs: {},
      token: 't',
      expectedToken: 't',
    });
    setBackendSrv(fakeBackendSrv(server, PROXY));
    return { server, api: new DebuggerApi(PROXY) };
  }

  it("asks for a Grafana rule's sessions with ?alertRule= (the proxy route api/v1/sessions carries the query)", async () => {
    const { server, api } = setup();
    expect((await api.listSessions({ alertRule: 'rule-b' })).map((s) => s.id)).toEqual(['b1']);
    expect(server.calls.at(-1)).toMatchObject({ method: 'GET', path: 'v1/sessions', params: { alertRule: 'rule-b' } });
    expect((await api.listSessions({ alert: 'f1' })).map((s) => s.id)).toEqual(['a1']);
  });

  it('sends no query parameters without filters', async () => {
    const { server, api } = setup();
    expect(await api.listSessions()).toHaveLength(3);
    expect(server.calls.at(-1)!.params).toEqual({});
  });
});
