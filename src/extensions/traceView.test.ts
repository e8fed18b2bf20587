import { spanOpenLink, spanSessionLink, traceHeaderOpenLink, traceHeaderSessionLink, type TraceViewHeaderContext } from './traceView';
import { ROUTES } from '../pages/constants';

const url = (path: string) => new URL(path, 'http://grafana');
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

function tempoTrace(overrides: Partial<TraceViewHeaderContext> = {}): TraceViewHeaderContext {
  return {
    traceID: TRACE,
    startTime: 1_700_000_000_000_000, // µs
    duration: 25_000,
    spans: [
      {
        spanID: SPAN,
        operationName: 'kong',
        instrumentationLibraryName: 'kong-internal',
        tags: [{ key: 'proxy.kong.route.id', value: 'route-1' }, { key: 'proxy.kong.service.id', value: 'svc-1' }],
        process: { serviceName: 'kong', tags: [] },
      },
      { spanID: 'c'.repeat(16), operationName: 'kong.router', process: { serviceName: 'kong' } },
    ],
    datasource: { name: 'Tempo', uid: 'tempo', type: 'tempo' },
    ...overrides,
  };
}

describe('trace view header doors', () => {
  it('opens a Kong trace in the app with its time range in ms (µs in the context), widened a minute', () => {
    const u = url(traceHeaderOpenLink(tempoTrace())!.path);
    expect(u.pathname).toBe(ROUTES.trace(TRACE));
    expect(u.searchParams.get('from')).toBe(String(1_700_000_000_000 - 60_000));
    expect(u.searchParams.get('to')).toBe(String(1_700_000_000_025 + 60_000));
  });

  it('recognises Kong by span name when the scope is missing (Jaeger)', () => {
    const ctx = tempoTrace({ spans: [{ operationName: 'kong.access.plugin.key-auth' }] });
    expect(traceHeaderOpenLink(ctx)).toBeDefined();
  });

  it('hides both links on traces without a Kong span', () => {
    const ctx = tempoTrace({ spans: [{ operationName: 'GET /cart', process: { serviceName: 'cart' }, tags: [{ key: 'proxy.kong.route.id', value: 'x' }] }] });
    expect(traceHeaderOpenLink(ctx)).toBeUndefined();
    expect(traceHeaderSessionLink(ctx)).toBeUndefined();
    expect(traceHeaderOpenLink(undefined)).toBeUndefined();
  });

  it('hides the open link when the trace id is not one', () => {
    expect(traceHeaderOpenLink(tempoTrace({ traceID: 'not-a-trace' }))).toBeUndefined();
  });

  it("starts a session for the route the Kong trace went through, else its service (Enterprise names on kong.router)", () => {
    expect(url(traceHeaderSessionLink(tempoTrace())!.path).searchParams.getAll('route')).toEqual(['route-1']);
    const oss = tempoTrace({
      spans: [
        { operationName: 'kong' },
        { operationName: 'kong.router', tags: [{ key: 'proxy.kong.router.service_id', value: 'svc-9' }] },
      ],
    });
    const u = url(traceHeaderSessionLink(oss)!.path);
    expect(u.pathname).toBe(ROUTES.newSession);
    expect(u.searchParams.getAll('route')).toEqual([]);
    expect(u.searchParams.getAll('service')).toEqual(['svc-9']);
  });
});

describe('span details doors (resource attributes)', () => {
  const ctx = {
    attributes: { 'service.name': ['kong'], 'service.instance.id': ['node-1'] },
    spanAttributes: { 'proxy.kong.route.id': ['route-1'], 'http.response.status_code': ['503'] },
    timeRange: { from: 1000, to: 2000 },
    traceID: TRACE.toUpperCase(),
    spanID: SPAN,
    datasource: { type: 'tempo', uid: 'tempo' },
  };

  it('opens the span in the app, trace id lower-cased, span and range kept', () => {
    const u = url(spanOpenLink(ctx)!.path);
    expect(u.pathname).toBe(ROUTES.trace(TRACE));
    expect(u.searchParams.get('span')).toBe(SPAN);
    expect(u.searchParams.get('from')).toBe('1000');
    expect(u.searchParams.get('to')).toBe('2000');
  });

  it('needs a trace id (Grafana before 12.3 passes none) and a Kong span', () => {
    expect(spanOpenLink({ ...ctx, traceID: undefined })).toBeUndefined();
    expect(spanOpenLink({ ...ctx, attributes: { 'service.name': ['cart'] }, spanAttributes: { 'http.route': ['/'] } })).toBeUndefined();
    // a renamed Kong (service.name overridden) is still Kong by its span attributes
    expect(spanOpenLink({ ...ctx, attributes: { 'service.name': ['edge-gw'] } })).toBeDefined();
  });

  it('drops a malformed span id rather than linking to a span that cannot exist', () => {
    expect(url(spanOpenLink({ ...ctx, spanID: 'zz' })!.path).searchParams.has('span')).toBe(false);
  });

  it('starts a session for the span route; hidden without route or service', () => {
    expect(url(spanSessionLink(ctx)!.path).searchParams.getAll('route')).toEqual(['route-1']);
    expect(spanSessionLink({ ...ctx, spanAttributes: {} })).toBeUndefined();
  });
});
