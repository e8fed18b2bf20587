import { DataFrameType, FieldType } from '@grafana/data';
import { absoluteRange, LINK_MARGIN_MS } from './links';
import { buildLogsFrame } from './logsFrame';
import { ossLogs } from '../testing/fixtures';

const ds = { uid: 'kdbg', name: 'Kong Debugger' };

describe('buildLogsFrame (Kong OSS log fixture)', () => {
  const records = ossLogs('sess-1');
  const frame = buildLogsFrame(records, { ds, refId: 'L', sessionId: 'sess-1' });
  const field = (name: string) => frame.fields.find((f) => f.name === name)!;
  const values = (name: string) => field(name).values as unknown[];

  it('follows the dataplane log-lines contract', () => {
    expect(frame.meta?.type).toBe(DataFrameType.LogLines);
    expect(frame.meta?.preferredVisualisationType).toBe('logs');
    expect(frame.fields.map((f) => [f.name, f.type])).toEqual([
      ['timestamp', FieldType.time],
      ['body', FieldType.string],
      ['severity', FieldType.string],
      ['id', FieldType.string],
      ['labels', FieldType.other],
      ['traceID', FieldType.string],
      ['spanID', FieldType.string],
      ['spanName', FieldType.string],
    ]);
    expect(frame.length).toBe(records.length);
    expect(frame.refId).toBe('L');
  });

  it('is newest first, with the sub-millisecond part kept as nanos', () => {
    const ts = values('timestamp') as number[];
    expect([...ts].sort((a, b) => b - a)).toEqual(ts);
    const newest = [...records].sort((a, b) => (BigInt(b.timeUnixNano) > BigInt(a.timeUnixNano) ? 1 : -1))[0];
    expect(values('id')[0]).toBe(newest.id);
    expect(field('timestamp').nanos![0]).toBe(Number(BigInt(newest.timeUnixNano) % BigInt(1000000)));
  });

  it("uses Kong's normalised level as severity and keeps the original text in labels", () => {
    const i = values('id').indexOf(records.find((r) => r.severityText === 'ERR')!.id);
    expect(values('severity')[i]).toBe('error');
    expect((values('labels')[i] as Record<string, unknown>)['severity_text']).toBe('ERR');
    expect((values('labels')[i] as Record<string, unknown>)['request.id']).toBeDefined();
  });

  it('has null (no dead link) for trace/span ids and names a record does not have, and the span name when it has one', () => {
    const noTrace = records.find((r) => !r.traceId)!;
    const i = values('id').indexOf(noTrace.id);
    expect([values('traceID')[i], values('spanID')[i], values('spanName')[i]]).toEqual([null, null, null]);
    const withSpan = values('spanID').indexOf('21355c6dc28da9a9');
    expect(values('spanName')[withSpan]).toBe('kong.access.plugin.ext-authz');
    expect(values('traceID')[withSpan]).toBe('fe42545217a406e81da675f9d52a2532');
  });

  it('links traceID to the trace and spanID to the trace with that span focused', () => {
    const withTrace = records.filter((r) => r.traceId).map((r) => r.timeMs);
    const range = absoluteRange(Math.min(...withTrace) - LINK_MARGIN_MS, Math.max(...withTrace) + LINK_MARGIN_MS);
    expect(field('traceID').config.links).toEqual([
      {
        title: 'View trace',
        url: '',
        internal: {
          datasourceUid: 'kdbg',
          datasourceName: 'Kong Debugger',
          query: { refId: 'trace', queryType: 'trace', traceId: '${__value.raw}', sessionId: 'sess-1' },
          range,
        },
      },
    ]);
    const spanLink = field('spanID').config.links![0];
    expect(spanLink.internal?.query).toEqual({
      refId: 'trace',
      queryType: 'trace',
      traceId: '${__data.fields.traceID}',
      sessionId: 'sess-1',
    });
    expect(spanLink.internal?.panelsState).toEqual({ trace: { spanId: '${__value.raw}' } });
    expect(spanLink.internal?.range).toEqual(range);
  });

  it('shows a record without a body as an empty line, not as ""', () => {
    const [first] = records;
    const frame2 = buildLogsFrame([{ ...first, body: null }, { ...first, id: 'b', body: undefined as never }], { ds });
    expect(frame2.fields.find((f) => f.name === 'body')!.values).toEqual(['', '']);
  });

  it('says its page size (meta.limit) and where the next page starts', () => {
    const paged = buildLogsFrame(records, { ds, sessionId: 'sess-1', limit: 50, nextCursor: 'c1' });
    expect(paged.meta?.limit).toBe(50);
    expect(paged.meta?.custom).toEqual({ sessionId: 'sess-1', nextCursor: 'c1' });
    const last = buildLogsFrame(records, { ds });
    expect(last.meta?.custom).toEqual({ sessionId: null, nextCursor: null });
    expect(last.meta?.limit).toBeUndefined();
  });

  it('renders structured bodies as JSON text', () => {
    const [first] = records;
    const frame2 = buildLogsFrame([{ ...first, body: { msg: 'x', n: 1 } }], { ds });
    expect(frame2.fields.find((f) => f.name === 'body')!.values[0]).toBe('{"msg":"x","n":1}');
  });
});
