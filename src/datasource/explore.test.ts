import { exploreUrl } from './explore';

describe('exploreUrl', () => {
  it("opens Explore on a session's traces with the given range", () => {
    const url = exploreUrl({
      datasourceUid: 'kong-debugger',
      query: { queryType: 'traces', sessionId: 'sess-1' },
      from: 1751364900000,
      to: 1751365000000,
      grafanaUrl: 'https://grafana.example.com/',
    });
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe('https://grafana.example.com/explore');
    expect(parsed.searchParams.get('schemaVersion')).toBe('1');
    expect(parsed.searchParams.get('orgId')).toBe('1');
    expect(JSON.parse(parsed.searchParams.get('panes')!)).toEqual({
      kdbg: {
        datasource: 'kong-debugger',
        queries: [
          {
            refId: 'A',
            queryType: 'traces',
            sessionId: 'sess-1',
            datasource: { type: 'kongdbg-debugger-datasource', uid: 'kong-debugger' },
          },
        ],
        range: { from: '1751364900000', to: '1751365000000' },
      },
    });
  });

  it('opens one trace, focused on a span, relative to the current Grafana', () => {
    const url = exploreUrl({ datasourceUid: 'kdbg', query: { queryType: 'trace', traceId: 'abc' }, spanId: 'def', orgId: 3 });
    expect(url.startsWith('/explore?')).toBe(true);
    const params = new URLSearchParams(url.slice('/explore?'.length));
    expect(params.get('orgId')).toBe('3');
    const pane = JSON.parse(params.get('panes')!).kdbg;
    expect(pane.queries[0]).toMatchObject({ queryType: 'trace', traceId: 'abc' });
    expect(pane.panelsState).toEqual({ trace: { spanId: 'def' } });
    expect(pane.range).toEqual({ from: 'now-1h', to: 'now' });
  });

  it('opens one trace with an absolute range around its times, so the link works days later', () => {
    const url = exploreUrl({ datasourceUid: 'kdbg', query: { queryType: 'trace', traceId: 'abc' }, spanId: 'def', around: [1751364930123.4, 1751364930456.7] });
    const pane = JSON.parse(new URLSearchParams(url.slice('/explore?'.length)).get('panes')!).kdbg;
    expect(pane.range).toEqual({ from: String(1751364930123 - 60_000), to: String(1751364930457 + 60_000) });
    expect(pane.queries[0]).toMatchObject({ traceId: 'abc' });
    expect(pane.panelsState).toEqual({ trace: { spanId: 'def' } });
    // given from/to win
    const given = exploreUrl({ datasourceUid: 'kdbg', query: { queryType: 'trace', traceId: 'abc' }, from: 1, to: 2, around: [5] });
    expect(JSON.parse(new URLSearchParams(given.slice('/explore?'.length)).get('panes')!).kdbg.range).toEqual({ from: '1', to: '2' });
  });
});
