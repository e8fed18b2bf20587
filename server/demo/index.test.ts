/* eslint-disable @typescript-eslint/no-explicit-any */
import { DEMO_ROUTES, emitRequests, startDemoGateway } from './index';
import { decodeProtobufTraces } from './kong-serializer';
import { Collector, startCollector } from './test-collector';

let collector: Collector;
beforeEach(async () => {
  collector = await startCollector();
});
afterEach(async () => {
  await collector.close();
});

interface Flat {
  resource: Record<string, any>;
  scope: any;
  span: any;
}

function flatSpans(c: Collector): Flat[] {
  return c.json('/v1/traces').flatMap((body) =>
    body.resourceSpans.flatMap((rs: any) =>
      rs.scopeSpans.flatMap((ss: any) =>
        ss.spans.map((span: any) => ({ resource: Object.fromEntries(rs.resource.attributes.map((a: any) => [a.key, a.value])), scope: ss.scope, span })),
      ),
    ),
  );
}

function flatLogs(c: Collector): Array<{ resource: Record<string, any>; scope: any; log: any }> {
  return c.json('/v1/logs').flatMap((body) =>
    body.resourceLogs.flatMap((rl: any) =>
      rl.scopeLogs.flatMap((sl: any) =>
        sl.logRecords.map((log: any) => ({ resource: Object.fromEntries(rl.resource.attributes.map((a: any) => [a.key, a.value])), scope: sl.scope, log })),
      ),
    ),
  );
}

const attrs = (span: any): Record<string, any> => Object.fromEntries((span.attributes ?? []).map((a: any) => [a.key, a.value]));
const groupByTrace = (spans: Flat[]) => {
  const m = new Map<string, any[]>();
  for (const { span } of spans) m.set(span.traceId, [...(m.get(span.traceId) ?? []), span]);
  return m;
};

describe('OSS dialect over OTLP/JSON', () => {
  let traceIds: string[];
  let spans: Flat[];
  beforeEach(async () => {
    ({ traceIds } = await emitRequests({ otlpUrl: collector.url, protocol: 'json', dialect: 'oss', seed: 11 }, 40));
    spans = flatSpans(collector);
  });

  it('sends every planned trace with Kong 3.9.1 resource and the kong-internal scope', () => {
    expect(new Set(traceIds).size).toBe(40);
    expect([...groupByTrace(spans).keys()].sort()).toEqual([...traceIds].sort());
    for (const { resource, scope } of spans) {
      expect(resource).toEqual({
        'service.name': { stringValue: 'kong' },
        'service.instance.id': { stringValue: '8a6d1f3e-52b4-4c1e-9f0a-7d2b6c9e41a5' },
        'service.version': { stringValue: '3.9.1' },
      });
      expect(scope).toEqual({ name: 'kong-internal', version: '0.1.0' });
    }
    for (const r of collector.received) expect(r.contentType).toBe('application/json');
  });

  it('follows the root rules: one SERVER root, ms-resolution start, never an error status', () => {
    for (const [, trace] of groupByTrace(spans)) {
      const roots = trace.filter((s) => !s.parentSpanId);
      expect(roots).toHaveLength(1);
      const root = roots[0];
      expect(root.name).toBe('kong');
      expect(root.kind).toBe(2);
      expect(BigInt(root.startTimeUnixNano) % 1_000_000n).toBe(0n);
      expect(root.status).toBeUndefined();
      const a = attrs(root);
      expect(a['http.status_code']).toEqual({ intValue: expect.any(Number) });
      expect(typeof a['http.route'].stringValue).toBe('string');
      expect(a['kong.request.id'].stringValue).toMatch(/^[0-9a-f]{32}$/);
      const ids = new Set(trace.map((s) => s.spanId));
      for (const s of trace) if (s.parentSpanId) expect(ids.has(s.parentSpanId)).toBe(true);
      for (const s of trace) expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);
      if (a['http.route'].stringValue === '') expect(a['http.status_code'].intValue).toBe(404);
    }
  });

  it('types values like Kong: http.status_code intValue, every other number doubleValue', () => {
    let doubles = 0;
    for (const { span } of spans) {
      for (const [key, v] of Object.entries(attrs(span))) {
        if ('intValue' in v) expect(key).toBe('http.status_code');
        if ('doubleValue' in v) doubles++;
      }
      const a = attrs(span);
      if (span.name === 'kong.balancer') {
        expect(a.try_count).toEqual({ doubleValue: expect.any(Number) });
        expect(a['net.peer.port']).toEqual({ doubleValue: expect.any(Number) });
        expect(span.kind).toBe(3);
        if (a['http.status_code']) expect(span.status).toEqual({ code: 2 });
      }
      if (span.name === 'kong.dns') expect(a['dns.record.port']).toEqual({ doubleValue: expect.any(Number) });
      if (span.status) expect(span.status).toEqual({ code: 2 }); // ERROR, never a message, never OK
      expect(span.flags).toBeUndefined();
    }
    expect(doubles).toBeGreaterThan(0);
  });

  it('correlates log records with exported spans; log-phase records carry the trace only', async () => {
    const logs = flatLogs(collector);
    expect(logs.length).toBeGreaterThan(40);
    const spanIds = new Map(spans.map(({ span }) => [span.spanId, span.traceId]));
    const severities: Record<string, number> = { DEBUG: 5, INFO: 9, NOTICE: 11, WARN: 13, ERR: 17 };
    let withSpan = 0;
    for (const { log, resource, scope } of logs) {
      expect(resource['service.version']).toEqual({ stringValue: '3.9.1' });
      expect(scope).toEqual({ name: 'kong-internal', version: '0.1.0' });
      expect(log.timeUnixNano).toBe(log.observedTimeUnixNano);
      if (log.severityText !== undefined) expect(log.severityNumber).toBe(severities[log.severityText]);
      const a = attrs(log);
      expect(a['introspection.current.line']).toEqual({ doubleValue: expect.any(Number) });
      expect(typeof a['introspection.source'].stringValue).toBe('string');
      if (log.spanId) {
        withSpan++;
        expect(spanIds.get(log.spanId)).toBe(log.traceId);
        expect(log.flags).toBe(1);
      }
      if (log.traceId) {
        expect(traceIds).toContain(log.traceId);
        expect(a['request.id'].stringValue).toMatch(/^[0-9a-f]{32}$/);
      } else {
        // worker-level record: no trace context at all
        expect(log.spanId).toBeUndefined();
        expect(a['request.id']).toBeUndefined();
      }
    }
    expect(withSpan).toBeGreaterThan(0);
    expect(logs.some(({ log }) => log.traceId && !log.spanId)).toBe(true);
  });

  it('lets the 200-span batches split a trace across two POSTs, as Kong does', () => {
    const bodies = collector.json('/v1/traces');
    expect(bodies.length).toBeGreaterThan(1);
    const postsOf = new Map<string, Set<number>>();
    bodies.forEach((body, i) => {
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) postsOf.set(s.traceId, (postsOf.get(s.traceId) ?? new Set()).add(i));
      expect(body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)).length).toBeLessThanOrEqual(200);
    });
    expect([...postsOf.values()].some((posts) => posts.size === 2)).toBe(true);
  });

  it('sends worker-level records without trace context first', () => {
    const logs = flatLogs(collector).map((l) => l.log);
    const worker = logs.findIndex((l) => !l.traceId);
    expect(worker).toBeGreaterThanOrEqual(0); // seed 11 has one
    expect(logs[worker].severityText).toMatch(/^(WARN|NOTICE)$/);
    expect(logs[worker].flags).toBeUndefined();
    // it rides along with the next request: that request's records follow it
    expect(logs[worker + 1].traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('is deterministic with a seed', async () => {
    const other = await startCollector();
    try {
      const again = await emitRequests({ otlpUrl: other.url, protocol: 'json', dialect: 'oss', seed: 11 }, 40);
      expect(again.traceIds).toEqual(traceIds);
      const shape = (list: Flat[]) =>
        list
          .map(({ span }) => ({
            id: span.spanId,
            parent: span.parentSpanId,
            name: span.name,
            attributes: span.attributes,
            events: (span.events ?? []).map((e: any) => e.name),
            duration: (BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)).toString(),
          }))
          .sort((a, b) => a.id.localeCompare(b.id));
      expect(shape(flatSpans(other))).toEqual(shape(spans));
    } finally {
      await other.close();
    }
  });
});

describe('Enterprise dialect', () => {
  it('sends debugger spans with proxy.kong.* root attributes from a 3.10.0.0 node', async () => {
    await emitRequests({ otlpUrl: collector.url, protocol: 'json', dialect: 'enterprise', seed: 5 }, 25);
    const spans = flatSpans(collector);
    expect(new Set(spans.map((s) => s.resource['service.version'].stringValue))).toEqual(new Set(['3.10.0.0']));
    const routeIds = new Set(DEMO_ROUTES.map((r) => r.id));
    const roots = spans.map((s) => s.span).filter((s) => s.name === 'kong');
    expect(roots).toHaveLength(25);
    for (const root of roots) {
      const a = attrs(root);
      expect(a['http.response.status_code']).toEqual({ intValue: expect.any(Number) });
      expect(a['server.port']).toEqual({ stringValue: expect.stringMatching(/^\d+$/) });
      expect(a['proxy.kong.latency.total']).toEqual({ intValue: expect.any(Number) });
      expect(typeof a['client.address'].stringValue).toBe('string');
      expect(a['url.full'].stringValue).toMatch(/^https?:\/\/api\.example\.com\//);
      if (a['proxy.kong.route.id']) expect(routeIds.has(a['proxy.kong.route.id'].stringValue)).toBe(true);
    }
    const names = new Set(spans.map((s) => s.span.name));
    for (const n of ['kong.phase.rewrite', 'kong.phase.access', 'kong.router', 'kong.upstream.selection', 'kong.find_upstream', 'kong.read_headers_from_upstream', 'kong.wait_for_client_read', 'kong.access.plugin.opentelemetry', 'kong.header_filter.plugin.opentelemetry']) {
      expect(names).toContain(n);
    }
    for (const { span } of spans) {
      if (/^kong\.[a-z_]+\.plugin\./.test(span.name)) expect(attrs(span)['proxy.kong.plugin.id']).toEqual({ stringValue: expect.any(String) });
    }
  });
});

describe('mixed dialect over protobuf', () => {
  it('sends application/x-protobuf bodies that decode to the planned traces from both nodes', async () => {
    const { traceIds } = await emitRequests({ otlpUrl: collector.url, seed: 3, headers: { 'x-demo-token': 'abc' } }, 20);
    const traces = collector.received.filter((r) => r.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    expect(collector.received.filter((r) => r.path === '/v1/logs').length).toBeGreaterThan(0);
    for (const r of collector.received) {
      expect(r.contentType).toBe('application/x-protobuf');
      expect(r.headers['x-demo-token']).toBe('abc');
    }
    const decoded = traces.map((r) => decodeProtobufTraces(r.body) as any);
    const versions = new Set<string>();
    const seen = new Set<string>();
    for (const req of decoded) {
      for (const rs of req.resourceSpans) {
        versions.add(rs.resource.attributes.find((a: any) => a.key === 'service.version').value.stringValue);
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            seen.add(Buffer.from(s.traceId, 'base64').toString('hex'));
            if (s.name === 'kong.balancer') {
              expect(s.attributes.find((a: any) => a.key === 'net.peer.port').value.doubleValue).toEqual(expect.any(Number));
            }
          }
        }
      }
    }
    expect(versions).toEqual(new Set(['3.9.1', '3.10.0.0']));
    expect([...seen].sort()).toEqual([...traceIds].sort());
  });
});

describe('running gateway', () => {
  it('keeps sending until stopped, and counts what it emitted', async () => {
    const gw = startDemoGateway({ otlpUrl: collector.url, ratePerSecond: 50, protocol: 'json', seed: 9 });
    for (let i = 0; i < 200 && gw.emitted().traces < 5; i++) await new Promise((r) => setTimeout(r, 20));
    await gw.flush();
    await gw.stop();
    const { traces, logs } = gw.emitted();
    expect(traces).toBeGreaterThanOrEqual(5);
    expect(logs).toBeGreaterThan(0);
    expect(groupByTrace(flatSpans(collector)).size).toBe(traces);
    expect(flatLogs(collector)).toHaveLength(logs);
    await gw.stop(); // idempotent
  });

  it('sends no logs when logs are off', async () => {
    await emitRequests({ otlpUrl: collector.url, protocol: 'json', seed: 2, logs: false }, 5);
    expect(collector.received.filter((r) => r.path === '/v1/logs')).toHaveLength(0);
    expect(collector.received.filter((r) => r.path === '/v1/traces').length).toBeGreaterThan(0);
  });
});

describe('bad input and failures', () => {
  it('rejects bad options with precise errors', () => {
    expect(() => startDemoGateway({ otlpUrl: 'not a url' })).toThrow('demo: otlpUrl is not a valid URL: "not a url"');
    expect(() => startDemoGateway({ otlpUrl: 'ftp://x' })).toThrow('demo: otlpUrl must be http(s), got ftp:');
    expect(() => startDemoGateway({ otlpUrl: collector.url, ratePerSecond: 0 })).toThrow('ratePerSecond must be a number in (0, 10000]');
    expect(() => startDemoGateway({ otlpUrl: collector.url, dialect: 'kong' as any })).toThrow('dialect must be enterprise, oss or mixed');
    expect(() => startDemoGateway({ otlpUrl: collector.url, protocol: 'grpc' as any })).toThrow('protocol must be protobuf or json');
    expect(() => startDemoGateway({ otlpUrl: collector.url, seed: NaN })).toThrow('seed must be a finite number');
    return expect(emitRequests({ otlpUrl: collector.url }, -1)).rejects.toThrow('n must be a non-negative integer');
  });

  it('fails emitRequests with the receiver error instead of pretending it sent', async () => {
    const refusing = await startCollector(400);
    try {
      await expect(emitRequests({ otlpUrl: refusing.url, protocol: 'json', seed: 1 }, 3)).rejects.toThrow(/demo: \d+ spans of the \w+ node could not be exported to http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await refusing.close();
    }
  });
});
