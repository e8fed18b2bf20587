import { FieldType, type DataFrame } from '@grafana/data';
import { buildSessionSummaryFrames, buildTraceSummaryFrames, LATENCY_METRICS, LIFECYCLE_MAP_PANEL_ID } from './summaryFrames';
import lifecycleMapPlugin from '../../panels/lifecyclemap/plugin.json';
import { digestTrace, summarizeSession, traceSummary } from '../../../common/lifecycle';
import { colorIndex } from '../../../common/lifecycle/color';
import { enterpriseTrace, ossTrace } from '../testing/fixtures';

const col = (frame: DataFrame, name: string) => frame.fields.find((f) => f.name === name)!.values as unknown[];
const types = (frame: DataFrame) => Object.fromEntries(frame.fields.map((f) => [f.name, f.type]));

describe('buildTraceSummaryFrames', () => {
  const trace = enterpriseTrace();
  const summary = traceSummary(trace.traceId, trace.spans);
  const [lifecycle, latency] = buildTraceSummaryFrames(summary, 'S');

  it('has a lifecycle frame in map order with the contract fields', () => {
    expect(lifecycle.name).toBe('lifecycle');
    expect(lifecycle.meta?.custom).toEqual({
      kind: 'trace',
      traceId: trace.traceId,
      // the exact start, as a decimal ns string (the app's trace card shows it to the ns)
      startTimeUnixNano: '1764000000000000000',
      dialect: 'enterprise',
      notes: [],
      info: { statusCode: 201, upstreamStatus: '201', failure: null, spanErrorCount: 0, route: 'shop.example.com/cart/checkout' }, // no http.route: host + path
    });
    expect(types(lifecycle)).toEqual({
      key: FieldType.string,
      label: FieldType.string,
      group: FieldType.string,
      phase: FieldType.string,
      spanId: FieldType.string,
      measured: FieldType.boolean,
      colorIndex: FieldType.number,
      durationNs: FieldType.number,
    });
    const map = summary.lifecycle;
    const byStart = <T extends { startTimeUnixNano: string; key: string }>(n: T[]) =>
      [...n].sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1)).map((p) => p.key);
    expect(col(lifecycle, 'key')).toEqual([
      'clientOut',
      ...byStart(map.requestPlugins),
      'upstreamIn',
      'upstreamOut',
      ...byStart(map.responsePlugins),
      'clientIn',
    ]);
    expect(map.requestPlugins.length).toBeGreaterThan(0);
    const groups = col(lifecycle, 'group');
    expect(groups[0]).toBe('edge');
    expect(groups[1]).toBe('request');
    expect(groups[groups.length - 1]).toBe('edge');
  });

  it('copies durations, colours, phases and span ids from the summary; edges have no phase or span', () => {
    const keys = col(lifecycle, 'key');
    const i = keys.indexOf('clientOut');
    expect(col(lifecycle, 'durationNs')[i]).toBe(summary.lifecycle.clientOut.durationNs);
    expect(col(lifecycle, 'measured')[i]).toBe(summary.lifecycle.clientOut.measured);
    expect(col(lifecycle, 'phase')[i]).toBe('');
    expect(col(lifecycle, 'spanId')[i]).toBe('');
    expect(col(lifecycle, 'label')[i]).toBe('Client out');
    for (const node of [...summary.lifecycle.requestPlugins, ...summary.lifecycle.responsePlugins]) {
      const j = keys.indexOf(node.key);
      expect(col(lifecycle, 'label')[j]).toBe(node.plugin);
      expect(col(lifecycle, 'phase')[j]).toBe(node.phase);
      expect(col(lifecycle, 'spanId')[j]).toBe(node.spanId);
      expect(col(lifecycle, 'durationNs')[j]).toBe(node.durationNs);
      expect(col(lifecycle, 'colorIndex')[j]).toBe(node.colorIndex);
    }
  });

  it('has a latency frame with Konnect labels and ms values', () => {
    expect(latency.name).toBe('latency');
    expect(types(latency)).toEqual({ metric: FieldType.string, label: FieldType.string, valueMs: FieldType.number });
    expect(col(latency, 'label')).toEqual([
      'Total',
      'Kong (internal)',
      'Upstream',
      '3rd-party',
      'DNS',
      'HTTP client',
      'Redis',
      'TCP socket',
      'Client',
    ]);
    expect(col(latency, 'valueMs')[0]).toBe(summary.latency.totalMs);
    expect(col(latency, 'valueMs')[2]).toBe(summary.latency.upstreamMs ?? null);
  });

  it('reports metrics an OSS trace lacks as null, not 0', () => {
    const oss = ossTrace();
    const [, ossLatency] = buildTraceSummaryFrames(traceSummary(oss.traceId, oss.spans));
    const s = traceSummary(oss.traceId, oss.spans);
    const values = col(ossLatency, 'valueMs');
    expect(values[LATENCY_METRICS.findIndex((m) => m.metric === 'thirdParty.redis')]).toBe(s.latency.thirdParty?.redisMs ?? null);
    expect(values[LATENCY_METRICS.findIndex((m) => m.metric === 'client')]).toBe(s.latency.clientMs ?? null);
    expect(values).toContain(null);
  });
});

describe('buildSessionSummaryFrames', () => {
  const oss = ossTrace();
  const ent = enterpriseTrace();
  const summary = summarizeSession('sess-1', [oss, ent].map((t) => digestTrace(traceSummary(t.traceId, t.spans))));
  const [lifecycle, latency] = buildSessionSummaryFrames(summary, 'S');

  it('has percentile fields, colour from the p50 and edges first/last', () => {
    expect(lifecycle.meta?.custom).toMatchObject({ kind: 'session', sessionId: 'sess-1', traceCount: 2 });
    expect(types(lifecycle)).toEqual({
      key: FieldType.string,
      label: FieldType.string,
      group: FieldType.string,
      phase: FieldType.string,
      spanId: FieldType.string,
      measured: FieldType.boolean,
      colorIndex: FieldType.number,
      count: FieldType.number,
      p50Ns: FieldType.number,
      p95Ns: FieldType.number,
      p99Ns: FieldType.number,
      maxNs: FieldType.number,
    });
    const keys = col(lifecycle, 'key');
    expect(keys[0]).toBe('clientOut');
    expect(keys[keys.length - 1]).toBe('clientIn');
    expect(keys.indexOf('upstreamIn')).toBe(keys.indexOf('upstreamOut') - 1);
    expect(new Set(keys)).toEqual(new Set(['clientOut', 'upstreamIn', 'upstreamOut', 'clientIn', ...Object.keys(summary.nodes)]));
    keys.forEach((key, i) => {
      const node = summary.nodes[key as string];
      if (node) {
        expect(col(lifecycle, 'p50Ns')[i]).toBe(node.p50Ns);
        expect(col(lifecycle, 'colorIndex')[i]).toBe(colorIndex(node.p50Ns));
        expect(col(lifecycle, 'count')[i]).toBe(node.count);
      }
      expect(col(lifecycle, 'spanId')[i]).toBe('');
    });
  });

  it('orders plugin nodes by phase: request phases before upstream, response phases after', () => {
    const keys = col(lifecycle, 'key') as string[];
    const groups = col(lifecycle, 'group');
    const phases = col(lifecycle, 'phase') as string[];
    const up = keys.indexOf('upstreamIn');
    keys.forEach((_, i) => {
      if (groups[i] === 'request') {
        expect(i).toBeLessThan(up);
      }
      if (groups[i] === 'response') {
        expect(i).toBeGreaterThan(up);
      }
    });
    const order = ['certificate', 'rewrite', 'access', 'response', 'header_filter', 'body_filter'];
    const seen = phases.filter((p) => p !== '').map((p) => order.indexOf(p));
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('converts latency percentiles from ns to ms', () => {
    expect(types(latency)).toEqual({
      metric: FieldType.string,
      label: FieldType.string,
      p50Ms: FieldType.number,
      p95Ms: FieldType.number,
      p99Ms: FieldType.number,
      maxMs: FieldType.number,
    });
    expect(col(latency, 'p50Ms')[0]).toBeCloseTo(summary.latency.totalMs!.p50Ns / 1e6, 9);
    expect(col(latency, 'maxMs')[0]).toBeCloseTo(summary.latency.totalMs!.maxNs / 1e6, 9);
    expect(col(latency, 'p50Ms')[LATENCY_METRICS.findIndex((m) => m.metric === 'thirdParty.dns')]).toBeNull();
  });

  it('keeps the map skeleton for an empty session', () => {
    const [empty] = buildSessionSummaryFrames({ sessionId: 'x', traceCount: 0, latency: {}, nodes: {} });
    expect(col(empty, 'key')).toEqual(['clientOut', 'upstreamIn', 'upstreamOut', 'clientIn']);
    expect(col(empty, 'measured')).toEqual([false, false, false, false]);
    expect(col(empty, 'label')).toEqual(['Client out', 'Upstream in', 'Upstream out', 'Client in']);
  });
});

describe('buildTraceSummaryFrames, retries and what Kong does not say', () => {
  it('adds a tries frame, the notes and an upstream status that is never guessed (OSS fixture)', () => {
    const trace = ossTrace();
    const summary = traceSummary(trace.traceId, trace.spans);
    const frames = buildTraceSummaryFrames(summary, 'S');
    expect(frames.map((f) => f.name)).toEqual(['lifecycle', 'latency', 'tries']);
    const tries = frames[2];
    expect(col(tries, 'tryCount')).toEqual([1, 2]);
    expect(col(tries, 'target')).toEqual(['10.0.3.21:8080', '10.0.3.22:8080']);
    expect(col(tries, 'outcome')).toEqual(['error', 'answered']);
    expect(col(tries, 'statusCode')).toEqual([502, null]);
    expect(col(tries, 'durationNs')).toEqual([387_667, 35_050_517]);
    const custom = frames[0].meta?.custom as { info: Record<string, unknown>; notes: unknown[] };
    // open-source Kong never reports the upstream's status: the 200 is Kong's, not the upstream's
    expect(custom.info).toEqual({ statusCode: 200, upstreamStatus: 'unknown', failure: null, spanErrorCount: 3, route: '/orders' });
    expect(custom.notes).toEqual(summary.lifecycle.notes);
    expect(custom.notes.length).toBeGreaterThan(0);
  });
});

describe('summary frames in Explore', () => {
  it('ask for our lifecycle-map panel (Explore draws the map; it falls back when the panel is missing)', () => {
    expect(LIFECYCLE_MAP_PANEL_ID).toBe(lifecycleMapPlugin.id);
    const trace = ossTrace();
    const byTrace = buildTraceSummaryFrames(traceSummary(trace.traceId, trace.spans), 'A');
    const bySession = buildSessionSummaryFrames(summarizeSession('s', [digestTrace(traceSummary(trace.traceId, trace.spans))]), 'A');
    for (const f of [...byTrace.filter((x) => x.name !== 'tries'), ...bySession]) {
      expect([f.name, f.meta?.preferredVisualisationPluginId]).toEqual([f.name, LIFECYCLE_MAP_PANEL_ID]);
    }
  });
});
