import { exploreLink } from './explore';
import { ROUTES } from '../pages/constants';

const url = (path: string) => new URL(path, 'http://grafana');
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const ours = { type: 'kongdbg-debugger-datasource', uid: 'kd' };

describe('Explore toolbar door', () => {
  it("opens our trace query's trace in the app, with Explore's raw range", () => {
    const link = exploreLink({
      exploreId: 'left',
      targets: [{ refId: 'A', datasource: ours, queryType: 'trace', traceId: TRACE, spanId: 'B7AD6B7169203331' }],
      timeRange: { from: 'now-1h', to: 'now' },
    });
    const u = url(link!.path);
    expect(u.pathname).toBe(ROUTES.trace(TRACE));
    expect(u.searchParams.get('span')).toBe('b7ad6b7169203331');
    expect(u.searchParams.get('from')).toBe('now-1h');
    expect(u.searchParams.get('to')).toBe('now');
  });

  it('turns DateTime bounds into epoch ms', () => {
    const link = exploreLink({
      targets: [{ refId: 'A', datasource: ours, queryType: 'logs', sessionId: 's', traceId: TRACE }],
      timeRange: { from: { valueOf: () => 1000 }, to: { valueOf: () => 2000 } },
    });
    expect(url(link!.path).searchParams.get('from')).toBe('1000');
  });

  it("takes the trace from our frames when the query's id is a variable", () => {
    const link = exploreLink({
      targets: [{ refId: 'A', datasource: ours, queryType: 'summary', traceId: '$trace' }],
      data: { series: [{ refId: 'A', meta: { custom: { kind: 'trace', traceId: TRACE } } }] },
    });
    expect(url(link!.path).pathname).toBe(ROUTES.trace(TRACE));
  });

  it('is hidden for other data sources and for our queries without a trace', () => {
    expect(exploreLink({ targets: [{ refId: 'A', datasource: { type: 'tempo' }, traceId: TRACE }] })).toBeUndefined();
    expect(exploreLink({ targets: [{ refId: 'A', datasource: ours, queryType: 'sessions' }] })).toBeUndefined();
    expect(exploreLink({ targets: [{ refId: 'A', datasource: ours, queryType: 'trace', traceId: 'nope' }] })).toBeUndefined();
    // a frame of another query (another data source) does not count
    expect(
      exploreLink({
        targets: [{ refId: 'A', datasource: ours, queryType: 'sessions' }],
        data: { series: [{ refId: 'B', meta: { custom: { traceId: TRACE } } }] },
      })
    ).toBeUndefined();
    expect(exploreLink(undefined)).toBeUndefined();
  });
});
