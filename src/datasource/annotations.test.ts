import { buildSessionEventsFrame, sessionAnnotations, sessionSpan } from './annotations';
import { session } from './testing/fixtures';

const t = (iso: string) => Date.parse(iso);

describe('session events (annotations)', () => {
  it('a running session ends now, or at its planned end if that came first; a stopped one at its end', () => {
    const running = session({ startedAt: '2025-07-01T10:00:00Z', endsAt: '2025-07-01T10:05:00Z', endedAt: undefined });
    expect(sessionSpan(running, t('2025-07-01T10:01:00Z'))).toEqual({ start: t('2025-07-01T10:00:00Z'), end: t('2025-07-01T10:01:00Z') });
    expect(sessionSpan(running, t('2025-07-01T11:00:00Z')).end).toBe(t('2025-07-01T10:05:00Z'));
    const stopped = session({ status: 'cancelled', startedAt: '2025-07-01T10:00:00Z', endedAt: '2025-07-01T10:00:30Z' });
    expect(sessionSpan(stopped, t('2025-07-01T11:00:00Z')).end).toBe(t('2025-07-01T10:00:30Z'));
  });

  it('a pending session starts at its creation', () => {
    const pending = session({ status: 'pending', startedAt: undefined, endsAt: undefined, createdAt: '2025-07-01T09:00:00Z' });
    expect(sessionSpan(pending, t('2025-07-01T09:00:10Z'))).toEqual({ start: t('2025-07-01T09:00:00Z'), end: t('2025-07-01T09:00:10Z') });
  });

  it("carries what Grafana's standard processing reads: time, timeEnd, title, text, tags, oldest first", () => {
    const a = session({ id: 'a', name: 'late', status: 'completed', startedAt: '2025-07-01T10:10:00Z', endedAt: '2025-07-01T10:11:00Z', createdBy: 'alice' });
    const b = session({
      id: 'b',
      name: 'early',
      status: 'timed_out',
      rule: { type: 'basic', routeIds: ['r1'], serviceIds: ['s1'] },
      startedAt: '2025-07-01T10:00:00Z',
      endedAt: '2025-07-01T10:05:00Z',
    });
    const frame = buildSessionEventsFrame([a, b], { refId: 'Anno', nowMs: t('2025-07-01T12:00:00Z') });
    const v = (n: string) => frame.fields.find((f) => f.name === n)!.values;
    expect(frame.fields.map((f) => f.name)).toEqual(['time', 'timeEnd', 'title', 'text', 'tags']);
    expect(v('title')).toEqual(['Kong debug session early', 'Kong debug session late']);
    expect(v('text')[0]).toBe('timed out: 2/200 traces, 5 logs\nrule: route r1, service s1');
    expect(v('text')[1]).toContain('created by alice');
    expect(v('tags')).toEqual([
      ['kong-debugger', 'timed_out'],
      ['kong-debugger', 'completed'],
    ]);
  });

  it('leaves out sessions that do not overlap the range', () => {
    const s = session({ startedAt: '2025-07-01T10:00:00Z', endedAt: '2025-07-01T10:05:00Z' });
    const frame = (fromMs: number, toMs: number) => buildSessionEventsFrame([s], { fromMs, toMs, nowMs: toMs }).length;
    expect(frame(t('2025-07-01T10:04:00Z'), t('2025-07-01T11:00:00Z'))).toBe(1);
    expect(frame(t('2025-07-01T10:06:00Z'), t('2025-07-01T11:00:00Z'))).toBe(0);
    expect(frame(t('2025-07-01T09:00:00Z'), t('2025-07-01T09:59:00Z'))).toBe(0);
  });

  it('gives annotations saved without a query the default one', () => {
    const prepared = sessionAnnotations.prepareAnnotation!({ name: 'Kong', enable: true, iconColor: 'red' });
    expect(prepared.target).toEqual({ refId: 'Anno', queryType: 'annotations' });
    const kept = sessionAnnotations.prepareAnnotation!({ name: 'x', enable: true, iconColor: 'red', target: { refId: 'A', queryType: 'annotations', sessionId: 's' } });
    expect(kept.target?.sessionId).toBe('s');
  });
});
