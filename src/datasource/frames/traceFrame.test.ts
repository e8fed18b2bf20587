import { DataFrameView, FieldType, type TraceSpanRow } from '@grafana/data';
import { LINK_MARGIN_MS } from './links';
import { buildTraceFrame, compareNs } from './traceFrame';
import { enterpriseTrace, ossTrace } from '../testing/fixtures';

const ds = { uid: 'kdbg', name: 'Kong Debugger' };

describe('buildTraceFrame (OSS fixture)', () => {
  const trace = ossTrace();
  const frame = buildTraceFrame(trace, { ds, refId: 'A', sessionId: 'sess-1' });
  const field = (name: string) => frame.fields.find((f) => f.name === name)!;
  const rows = new DataFrameView<TraceSpanRow>(frame).toArray();
  const byId = (id: string) => rows.find((r) => r.spanID === id)!;

  it('is a trace-view frame with the TraceSpanRow field names and types', () => {
    expect(frame.meta?.preferredVisualisationType).toBe('trace');
    expect(frame.refId).toBe('A');
    const types = Object.fromEntries(frame.fields.map((f) => [f.name, f.type]));
    expect(types).toEqual({
      traceID: FieldType.string,
      spanID: FieldType.string,
      parentSpanID: FieldType.string,
      operationName: FieldType.string,
      serviceName: FieldType.string,
      serviceTags: FieldType.other,
      startTime: FieldType.number,
      duration: FieldType.number,
      logs: FieldType.other,
      tags: FieldType.other,
      kind: FieldType.string,
      statusCode: FieldType.number,
      statusMessage: FieldType.string,
      instrumentationLibraryName: FieldType.string,
      instrumentationLibraryVersion: FieldType.string,
    });
    expect(frame.length).toBe(trace.spans.length);
    expect(rows.every((r) => /^[0-9a-f]{16}$/.test(r.spanID))).toBe(true);
  });

  it('gives start and duration in milliseconds (float) and orders spans by start', () => {
    const root = byId('2e5dccf8c54cffd5');
    // fixture: start 1751364930123000000 ns, end 1751364930173713402 ns
    expect(root.startTime).toBe(1751364930123);
    expect(root.duration).toBeCloseTo(50.713402, 6);
    expect(root.parentSpanID).toBeUndefined();
    expect(root.operationName).toBe('kong');
    expect(root.kind).toBe('server');
    const starts = rows.map((r) => r.startTime);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(byId('c224b69e90e625dc').parentSpanID).toBe('c23d62b1181f0a97');
    expect(byId('c224b69e90e625dc').kind).toBe('internal');
    expect(byId('b80c35d10b158500').kind).toBe('client');
  });

  it('carries attributes as tags, resource as serviceTags, scope as instrumentation library', () => {
    const root = byId('2e5dccf8c54cffd5');
    expect(root.tags).toContainEqual({ key: 'http.method', value: 'GET' });
    expect(root.serviceName).toBe('kong');
    expect(root.serviceTags).toContainEqual({ key: 'service.version', value: '3.9.1' });
    expect(root.instrumentationLibraryName).toBe('kong-internal');
    expect(root.instrumentationLibraryVersion).toBe('0.1.0');
  });

  it('marks error spans with statusCode 2 and an error tag, and keeps the others clean', () => {
    const failedBalancer = byId('6f747fb087f5a2de');
    expect(failedBalancer.statusCode).toBe(2);
    expect(failedBalancer.tags).toContainEqual({ key: 'error', value: true });
    const okBalancer = byId('0423dd744a092fcd');
    expect(okBalancer.statusCode).toBe(0);
    expect(okBalancer.tags!.some((t) => t.key === 'error')).toBe(false);
  });

  it('turns span events into span logs with ms timestamps', () => {
    const withEvent = byId('83d8628b3633098f');
    const source = trace.spans.find((s) => s.spanId === '83d8628b3633098f')!;
    expect(withEvent.logs!).toHaveLength(1);
    expect(withEvent.logs![0].name).toBe(source.events[0].name);
    expect(withEvent.logs![0].timestamp).toBeCloseTo(Number(BigInt(source.events[0].timeUnixNano) / BigInt(1000)) / 1000, 3);
    expect(withEvent.logs![0].timestamp).toBeGreaterThanOrEqual(withEvent.startTime);
  });

  it('links every span to its logs (session known) and to the trace summary', () => {
    const links = field('spanID').config.links!;
    expect(links.map((l) => l.title)).toEqual(['Logs for this span', 'Lifecycle summary of this trace']);
    const { range, ...internal } = links[0].internal!;
    expect(internal).toEqual({
      datasourceUid: 'kdbg',
      datasourceName: 'Kong Debugger',
      query: { refId: 'logs', queryType: 'logs', sessionId: 'sess-1', traceId: '${__span.traceId}', spanId: '${__span.spanId}' },
    });
    expect(links[1].internal?.query).toMatchObject({ queryType: 'summary', traceId: '${__span.traceId}' });
    // both open with the trace's own times and a margin, fixed (grafana#124821)
    const start = Math.min(...trace.spans.map((s) => s.startTimeMs));
    const end = Math.max(...trace.spans.map((s) => s.startTimeMs + s.durationNs / 1e6));
    for (const l of links) {
      expect(l.internal!.range!.from.valueOf()).toBe(Math.floor(start - LINK_MARGIN_MS));
      expect(l.internal!.range!.to.valueOf()).toBeGreaterThanOrEqual(end + LINK_MARGIN_MS);
      expect(l.internal!.range!.to.valueOf()).toBeLessThan(end + LINK_MARGIN_MS + 1);
      expect(l.internal!.range!.raw.from).not.toEqual(expect.any(String));
    }
    expect(range).toBe(links[1].internal!.range);
  });

  it('offers the logs link without a session too (the server finds the session holding the logs)', () => {
    const noSession = buildTraceFrame(trace, { ds });
    const links = noSession.fields.find((f) => f.name === 'spanID')!.config.links!;
    expect(links.map((l) => l.title)).toEqual(['Logs for this span', 'Lifecycle summary of this trace']);
    expect(links[0].internal?.query).toEqual({ refId: 'logs', queryType: 'logs', traceId: '${__span.traceId}', spanId: '${__span.spanId}' });
  });
});

describe('buildTraceFrame (enterprise fixture)', () => {
  it('keeps µs precision of nanosecond starts', () => {
    const trace = enterpriseTrace();
    const frame = buildTraceFrame(trace, { ds });
    const view = new DataFrameView<TraceSpanRow>(frame).toArray();
    for (const span of trace.spans) {
      const row = view.find((r) => r.spanID === span.spanId)!;
      expect(row.startTime).toBeCloseTo(Number(BigInt(span.startTimeUnixNano) / BigInt(1000)) / 1000, 3);
      expect(row.duration).toBeCloseTo(span.durationNs / 1e6, 9);
    }
  });
});

describe('compareNs', () => {
  it('orders ns strings exactly where numbers would tie', () => {
    expect(compareNs('1751364930123000001', '1751364930123000000')).toBeGreaterThan(0);
    expect(Number('1751364930123000001')).toBe(Number('1751364930123000000'));
    expect(compareNs('999', '1000')).toBeLessThan(0);
    expect(compareNs('5', '5')).toBe(0);
  });
});

describe('buildTraceFrame: Kong names beside the ids in the span details', () => {
  const tagsOf = (frame: ReturnType<typeof buildTraceFrame>) => new DataFrameView<TraceSpanRow>(frame).toArray();
  const ROUTE_KEYS = ['proxy.kong.route.id', 'proxy.kong.router.route_id'];

  it("adds kong.route.name to the spans that carry a route id Kong names, and nothing where it does not", () => {
    const trace = enterpriseTrace();
    const withRoute = trace.spans.filter((s) => ROUTE_KEYS.some((k) => typeof s.attributes[k] === 'string'));
    expect(withRoute.length).toBeGreaterThan(0);
    const routeId = ROUTE_KEYS.map((k) => withRoute[0].attributes[k]).find((v) => typeof v === 'string') as string;
    const rows = tagsOf(buildTraceFrame(trace, { ds, entityNames: new Map([[`route:${routeId}`, 'checkout']]) }));
    for (const span of trace.spans) {
      const tags = rows.find((r) => r.spanID === span.spanId)!.tags ?? [];
      const named = tags.filter((t) => t.key === 'kong.route.name');
      const carries = ROUTE_KEYS.some((k) => span.attributes[k] === routeId);
      expect([span.name, named]).toEqual([span.name, carries ? [{ key: 'kong.route.name', value: 'checkout' }] : []]);
    }
    // unknown to Kong, or names not loaded: the id alone
    for (const names of [new Map<string, string>(), undefined]) {
      const plain = tagsOf(buildTraceFrame(trace, { ds, entityNames: names }));
      expect(plain.flatMap((r) => r.tags ?? []).filter((t) => t.key.endsWith('.name') && t.key.startsWith('kong.'))).toEqual([]);
    }
  });

  it('names the route and service a scoped plugin put in the resource (open-source Kong) in the service tags', () => {
    const trace = ossTrace();
    trace.resource = { ...trace.resource, 'proxy.kong.route.id': 'r-1', 'proxy.kong.service.id': 's-1' };
    const rows = tagsOf(
      buildTraceFrame(trace, { ds, entityNames: new Map([['route:r-1', 'orders'], ['service:s-1', 'orders-svc']]) })
    );
    expect(rows[0].serviceTags).toEqual(
      expect.arrayContaining([
        { key: 'kong.route.name', value: 'orders' },
        { key: 'kong.service.name', value: 'orders-svc' },
      ])
    );
  });
});
