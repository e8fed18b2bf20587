import { panelMenuLink } from './panelMenu';
import { ROUTES } from '../pages/constants';

const url = (path: string) => new URL(path, 'http://grafana');
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const ours = { type: 'kongdbg-debugger-datasource', uid: 'kd' };
const range = { from: 'now-6h', to: 'now' };

describe('panel menu door', () => {
  it("opens the lifecycle map's trace, resolved from its frames when the query uses $trace", () => {
    const link = panelMenuLink({
      pluginId: 'kongdbg-lifecyclemap-panel',
      targets: [{ refId: 'A', queryType: 'summary', traceId: '$trace' }],
      timeRange: range,
      data: { series: [{ refId: 'A', meta: { custom: { kind: 'trace', traceId: TRACE } } }] },
    });
    const u = url(link!.path);
    expect(u.pathname).toBe(ROUTES.trace(TRACE));
    expect(u.searchParams.get('from')).toBe('now-6h');
  });

  it("opens the session a logs panel shows (session from the frame's meta)", () => {
    const link = panelMenuLink({
      pluginId: 'kongdbg-debuglogs-panel',
      targets: [{ refId: 'A', datasource: ours, queryType: 'logs', sessionId: '${session}' }],
      timeRange: range,
      data: { series: [{ refId: 'A', meta: { custom: { sessionId: 'sess-1' } } }] },
    });
    expect(url(link!.path).pathname).toBe(ROUTES.session('sess-1'));
  });

  it("works on Grafana's own panels that query our data source; else the sessions list", () => {
    const table = panelMenuLink({ pluginId: 'table', targets: [{ refId: 'A', datasource: ours, queryType: 'sessions' }], timeRange: range });
    const u = url(table!.path);
    expect(u.pathname).toBe(ROUTES.sessions);
    expect(u.searchParams.get('to')).toBe('now');
  });

  it("is hidden on other data sources' panels", () => {
    expect(panelMenuLink({ pluginId: 'timeseries', targets: [{ refId: 'A', datasource: { type: 'prometheus' } }] })).toBeUndefined();
    expect(panelMenuLink(undefined)).toBeUndefined();
  });
});
