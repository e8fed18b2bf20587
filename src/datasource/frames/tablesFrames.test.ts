import { FieldType } from '@grafana/data';
import { describeRule } from '../../../common/rules/describe';
import { buildSessionsFrame } from './sessionsFrame';
import { absoluteRange, LINK_MARGIN_MS } from './links';
import { buildTracesFrame } from './tracesFrame';
import { enterpriseTrace, ossTrace, session, traceListItem } from '../testing/fixtures';

const ds = { uid: 'kdbg', name: 'Kong Debugger' };

describe('buildTracesFrame', () => {
  const items = [traceListItem(ossTrace()), traceListItem(enterpriseTrace())];
  const frame = buildTracesFrame(items, { ds, refId: 'T', sessionId: 'sess-1', nextCursor: 'c2' });
  const field = (name: string) => frame.fields.find((f) => f.name === name)!;

  it('is a table with one row per trace, duration in ms', () => {
    expect(frame.meta?.preferredVisualisationType).toBe('table');
    expect(frame.meta?.custom).toEqual({ sessionId: 'sess-1', nextCursor: 'c2' });
    expect(frame.length).toBe(2);
    expect(field('traceID').values).toEqual(items.map((t) => t.traceId));
    expect(field('startTime').type).toBe(FieldType.time);
    expect(field('startTime').values[0]).toBe(items[0].startTimeMs);
    expect(field('duration').config.unit).toBe('ms');
    expect(field('duration').values[0]).toBeCloseTo(items[0].durationNs / 1e6, 9);
    expect(field('statusCode').values[0]).toBe(items[0].statusCode ?? null);
    expect(field('error').type).toBe(FieldType.boolean);
    // the OSS fixture's request recovered from a refused try: not failed, but three span errors
    expect(field('error').values).toEqual([false, false]);
    expect(field('spanErrorCount').values).toEqual([3, 0]);
    expect(field('method').values[0]).toBe('GET');
  });

  it('links each trace id to its trace, keeping the session', () => {
    expect(field('traceID').config.links).toEqual([
      {
        title: 'Trace: ${__value.raw}',
        url: '',
        internal: {
          datasourceUid: 'kdbg',
          datasourceName: 'Kong Debugger',
          query: { refId: 'trace', queryType: 'trace', traceId: '${__value.raw}', sessionId: 'sess-1' },
          // every row's trace lies within it, in absolute times
          range: absoluteRange(
            Math.min(...items.map((t) => t.startTimeMs)) - LINK_MARGIN_MS,
            Math.max(...items.map((t) => t.startTimeMs + t.durationNs / 1e6)) + LINK_MARGIN_MS
          ),
        },
      },
    ]);
  });
});

describe('buildSessionsFrame', () => {
  const sessions = [
    session(),
    session({ id: 'sess-0', name: 'orders', status: 'completed', rule: { type: 'basic', routeIds: ['r1', 'r2'] }, endedAt: '2025-07-01T10:00:00Z' }),
  ];
  const frame = buildSessionsFrame(sessions, { ds, refId: 'S' });
  const field = (name: string) => frame.fields.find((f) => f.name === name)!;

  it('lists sessions with times as time fields and a readable rule', () => {
    expect(field('id').values).toEqual(['sess-1', 'sess-0']);
    expect(field('status').values).toEqual(['in_progress', 'completed']);
    expect(field('rule').values).toEqual(['http.response.status_code >= 500', 'routes: r1, r2']);
    expect(field('createdAt').type).toBe(FieldType.time);
    expect(field('createdAt').values[0]).toBe(Date.parse('2025-07-01T10:15:00.000Z'));
    expect(field('endedAt').values).toEqual([null, Date.parse('2025-07-01T10:00:00Z')]);
    expect(field('duration').config.unit).toBe('s');
  });

  it('links a session id to its traces', () => {
    expect(field('id').config.links![0].internal?.query).toEqual({ refId: 'traces', queryType: 'traces', sessionId: '${__value.raw}' });
  });

  it('describes every rule shape', () => {
    expect(describeRule({ type: 'basic' })).toBe('all traffic');
    expect(describeRule({ type: 'basic', routeIds: ['a'], serviceIds: ['s'] })).toBe('routes: a; services: s');
  });
});
