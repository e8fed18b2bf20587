import type { LogRecord, TraceListItem } from '../../common/api';
import type { ReceivedLog, ReceivedTrace, Store } from '../store/types';
import { PAGE, SessionFeed } from './feed';
import { decodePosition, encodePosition, START } from './position';

/** the two reads a feed makes, over rows the test makes visible (committed) when it wants */
class Rows {
  traces: ReceivedTrace[] = [];
  logs: ReceivedLog[] = [];
  add(id: string, receivedMs: number): void {
    this.traces.push({ trace: { traceId: id.padStart(32, '0') } as TraceListItem, receivedMs });
  }
  addLog(id: number, receivedMs: number): void {
    this.logs.push({ log: { id: String(id) } as LogRecord, receivedMs });
  }
  store(): Store {
    const after = <R>(
      rows: R[],
      ms: (r: R) => number,
      id: (r: R) => string | number,
      afterMs: number,
      afterId: string | number,
      limit: number
    ) =>
      rows
        .filter((r) => ms(r) > afterMs || (ms(r) === afterMs && id(r) > afterId))
        .sort((a, b) => ms(a) - ms(b) || (id(a) < id(b) ? -1 : 1))
        .slice(0, limit);
    return {
      tracesReceivedAfter: (_s: string, afterMs: number, afterId: string, limit: number) =>
        after(
          this.traces,
          (r) => r.receivedMs,
          (r) => r.trace.traceId,
          afterMs,
          afterId,
          limit
        ),
      logsReceivedAfter: (_s: string, afterMs: number, afterId: number, limit: number) =>
        after(
          this.logs,
          (r) => r.receivedMs,
          (r) => Number(r.log.id),
          afterMs,
          afterId,
          limit
        ),
    } as unknown as Store;
  }
}

const ids = (traces: TraceListItem[]) => traces.map((t) => t.traceId.replace(/^0+/, ''));

describe('SessionFeed', () => {
  it('one process: exactly what was stored after the position', async () => {
    const rows = new Rows();
    rows.add('a', 100);
    rows.add('b', 101);
    rows.addLog(1, 100);
    const feed = new SessionFeed(rows.store(), 's', START, 0);
    const first = await feed.read();
    expect(ids(first.traces)).toEqual(['a', 'b']);
    expect(first.logs.map((l) => l.id)).toEqual(['1']);
    rows.add('c', 102);
    rows.addLog(2, 102);
    const second = await feed.read();
    expect(ids(second.traces)).toEqual(['c']);
    expect(second.logs.map((l) => l.id)).toEqual(['2']);
    // a new feed from that event id: nothing again
    const resumed = new SessionFeed(rows.store(), 's', decodePosition(encodePosition(second.position)), 0);
    expect((await resumed.read()).traces).toEqual([]);
  });

  it('replicas: a row stamped before the position but committed after a read is still sent, once', async () => {
    const rows = new Rows();
    let now = 1000;
    rows.add('a', 990);
    rows.add('b', 995);
    const feed = new SessionFeed(rows.store(), 's', START, 50, () => now);
    expect(ids((await feed.read()).traces)).toEqual(['a', 'b']);
    // another replica's write, stamped at 993, commits only now
    rows.add('late', 993);
    now = 1001;
    expect(ids((await feed.read()).traces)).toEqual(['late']);
    expect((await feed.read()).traces).toEqual([]);
    rows.add('c', 1002);
    now = 1100;
    expect(ids((await feed.read()).traces)).toEqual(['c']);
    // a read after the settle time moved the safe time past everything: a resumed stream sends nothing again
    const settled = await feed.read();
    expect(settled.position.safeMs).toBe(1050);
    const resumed = new SessionFeed(rows.store(), 's', decodePosition(encodePosition(settled.position)), 50, () => now);
    expect((await resumed.read()).traces).toEqual([]);
  });

  it('replicas: a stream resumed before the settle time sends the unsettled rows again, never fewer', async () => {
    const rows = new Rows();
    const now = 1000;
    rows.add('a', 900);
    rows.add('b', 990);
    const feed = new SessionFeed(rows.store(), 's', START, 50, () => now);
    const first = await feed.read();
    rows.add('late', 960);
    const resumed = new SessionFeed(rows.store(), 's', decodePosition(encodePosition(first.position)), 50, () => now);
    // `a` was safe (before 950) and is not sent again; `b` may be; `late` must be
    expect(ids((await resumed.read()).traces).sort()).toEqual(['b', 'late']);
  });

  it('reads a busy backlog in bounded steps, each row once', async () => {
    const rows = new Rows();
    const n = PAGE * 4 * 2 + 7;
    for (let i = 0; i < n; i++) rows.add(i.toString(16), 100 + Math.floor(i / 3));
    for (const settle of [0, 50]) {
      const feed = new SessionFeed(rows.store(), 's', START, settle, () => 10_000);
      const seen: string[] = [];
      let reads = 0;
      for (;;) {
        const r = await feed.read();
        reads++;
        seen.push(...ids(r.traces));
        if (!r.more) break;
      }
      expect(reads).toBe(3);
      expect(seen.length).toBe(n);
      expect(new Set(seen).size).toBe(n);
    }
  });
});
