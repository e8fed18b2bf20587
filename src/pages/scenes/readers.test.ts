import { createDataFrame, FieldType } from '@grafana/data';
import { nsToRfc3339, readTraceInfo } from './TraceInfoCard';
import { sessionWindow, timeLeftOf } from './rows';
import { withAppSpanLinks } from './traceLinks';
import { interpolateLink } from './testing/host';

describe('trace card readers', () => {
  it('writes Unix ns as RFC 3339 without losing the last digits', () => {
    expect(nsToRfc3339('1764000000123456789')).toBe('2025-11-24T16:00:00.123456789Z');
    expect(nsToRfc3339('12ab')).toBeUndefined();
  });

  it('reads the facts from the summary and trace frames (root span tags)', () => {
    const lifecycle = createDataFrame({
      name: 'lifecycle',
      meta: { custom: { traceId: 't1', startTimeUnixNano: '1764000000000000001', info: { statusCode: 502, upstreamStatus: 'no answer', failure: 'no upstream answer' } } },
      fields: [],
    });
    const latency = createDataFrame({
      name: 'latency',
      fields: [
        { name: 'metric', type: FieldType.string, values: ['total', 'internal'] },
        { name: 'valueMs', type: FieldType.number, values: [12.5, 1] },
      ],
    });
    const trace = createDataFrame({
      name: 'Trace',
      fields: [
        { name: 'spanID', type: FieldType.string, values: ['child', 'root'] },
        { name: 'parentSpanID', type: FieldType.string, values: ['root', undefined] },
        { name: 'tags', type: FieldType.other, values: [[{ key: 'kong.route.name', value: 'wrong' }], [{ key: 'client.address', value: '10.0.0.1' }, { key: 'client.port', value: 5151 }, { key: 'kong.route.name', value: 'orders' }]] },
        { name: 'serviceTags', type: FieldType.other, values: [[], [{ key: 'kong.service.name', value: 'shop' }]] },
      ],
    });
    expect(readTraceInfo([lifecycle, latency, trace])).toEqual({
      traceId: 't1',
      totalMs: 12.5,
      statusCode: 502,
      upstreamStatus: 'no answer',
      failure: 'no upstream answer',
      startTime: '2025-11-24T16:00:00.000000001Z',
      client: '10.0.0.1:5151',
      route: 'orders',
      service: 'shop',
      consumer: undefined,
    });
  });
});

describe('session rows', () => {
  const s = { status: 'in_progress' as const, endsAt: 100_000, duration: 300, createdAt: 0, endedAt: null };
  it('counts time left only while the session runs', () => {
    expect(timeLeftOf(s, 35_000)).toBe('1m 05s');
    expect(timeLeftOf({ ...s, status: 'completed' }, 35_000)).toBe('—');
    expect(timeLeftOf({ ...s, endsAt: null }, 0)).toBe('5m 00s (not started)');
  });

  it("takes the session's life, a minute either side, as the absolute range", () => {
    expect(sessionWindow({ ...s, createdAt: Date.parse('2026-01-01T10:00:00Z'), endsAt: Date.parse('2026-01-01T10:05:00Z') }, 0)).toEqual({
      from: '2026-01-01T09:59:00.000Z',
      to: '2026-01-01T10:06:00.000Z',
    });
  });
});

describe('app links on log lines', () => {
  it("points each line's span and trace at the app's trace page, keeping the session", () => {
    const logs = createDataFrame({
      name: 'logs',
      fields: [
        { name: 'traceID', type: FieldType.string, values: ['t1'], config: { links: [{ title: 'Explore', url: '' }] } },
        { name: 'spanID', type: FieldType.string, values: ['s1'] },
      ],
    });
    const [out] = withAppSpanLinks([logs], 'sess 1');
    const span = out.fields[1];
    expect(span.config.links).toHaveLength(1);
    expect(interpolateLink(span.config.links![0].url, out, span, 0)).toBe('/a/kongdbg-debugger-app/trace/t1/spans?session=sess%201&span=s1');
    expect(interpolateLink(out.fields[0].config.links![0].url, out, out.fields[0], 0)).toBe('/a/kongdbg-debugger-app/trace/t1?session=sess%201');
  });
});
