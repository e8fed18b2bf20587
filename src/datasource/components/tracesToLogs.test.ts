import { formatTags, isTimeShift, parseTags, withTracesToLogs } from './tracesToLogs';

describe("trace-to-logs settings (Grafana's tracesToLogsV2)", () => {
  it('reads tags as attribute or attribute=label, and writes them back the same way', () => {
    const tags = parseTags(' service.name=service_name, http.route ,, kong.route.id = route , =x');
    expect(tags).toEqual([{ key: 'service.name', value: 'service_name' }, { key: 'http.route' }, { key: 'kong.route.id', value: 'route' }]);
    expect(formatTags(tags)).toBe('service.name=service_name, http.route, kong.route.id=route');
    expect(formatTags([{ key: 'a', value: 'a' }])).toBe('a');
  });

  it("accepts Grafana's durations as time shifts", () => {
    for (const ok of ['', '-1m', '30s', '1h30m', '500ms']) {
      expect([ok, isTimeShift(ok)]).toEqual([ok, true]);
    }
    for (const bad of ['1 minute', 'm', '--1m', '1y']) {
      expect([bad, isTimeShift(bad)]).toEqual([bad, false]);
    }
  });

  it('keeps the other settings; removing the data source removes the block (our own logs links return)', () => {
    const on = withTracesToLogs({ url: 'http://dbg' }, { datasourceUid: 'loki', filterByTraceID: true });
    expect(on).toEqual({ url: 'http://dbg', tracesToLogsV2: { datasourceUid: 'loki', filterByTraceID: true } });
    const tagged = withTracesToLogs(on, { tags: [{ key: 'service.name' }] });
    expect(tagged.tracesToLogsV2).toEqual({ datasourceUid: 'loki', filterByTraceID: true, tags: [{ key: 'service.name' }] });
    expect(withTracesToLogs(tagged, { datasourceUid: undefined })).toEqual({ url: 'http://dbg' });
  });
});
