import { dateTime } from '@grafana/data';
import { buildLogsFrame } from '../../datasource/frames/logsFrame';
import { LINK_MARGIN_MS } from '../../datasource/frames/links';
import { ossLogs } from '../../datasource/testing/fixtures';
import { rowLinks } from './links';
import { readLogsFrame } from './model';

describe('debug logs row links', () => {
  const frame = buildLogsFrame(ossLogs('sess-1'), { ds: { uid: 'kdbg', name: 'Kong Debugger' }, sessionId: 'sess-1' });
  const read = readLogsFrame([frame]);
  if (read.ok !== true) {
    throw new Error('fixture frame not read');
  }
  const row = read.model.rows.find((r) => r.traceId && r.spanId)!;

  it("open the line's trace and span around the line's own time, not the dashboard's relative range", () => {
    const now = dateTime();
    const relative = { from: now, to: now, raw: { from: 'now-1h', to: 'now' } };
    const links = rowLinks(read.model, row, (v) => String(v ?? ''), relative);
    expect(links.map((l) => l.title)).toEqual(['View trace', 'View span in trace']);
    for (const l of links) {
      const href = decodeURIComponent(l.href);
      expect(href).toContain(`"range":{"from":"${Math.floor(row.timeMs - LINK_MARGIN_MS)}","to":"${Math.ceil(row.timeMs + LINK_MARGIN_MS)}"}`);
      expect(href).toContain(`"traceId":"${row.traceId}"`);
      expect(href).not.toContain('now-1h');
    }
    expect(decodeURIComponent(links[1].href)).toContain(`"spanId":"${row.spanId}"`);
  });
});
