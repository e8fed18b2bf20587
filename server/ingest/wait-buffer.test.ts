import type { WaitingRow } from '../store/types';
import { decodedLog, decodedSpan, emptyWrite, resource, TRACE_A, TRACE_B } from './testing';
import { traceKey } from './trace-key';
import { WaitBuffer } from './wait-buffer';

let now = 1_000_000;
const clock = () => now;
const deleted: string[][] = [];
const store = { loadWaiting: (): WaitingRow[] => [], deleteWaiting: (_tenant: string, ids: string[]) => void deleted.push(ids) };

beforeEach(() => {
  now = 1_000_000;
  deleted.length = 0;
});

const A = traceKey('team-a', TRACE_A);

describe('WaitBuffer', () => {
  it('holds spans with a stored row, and releases them with the row settled in the same write', () => {
    const w = new WaitBuffer(store, { now: clock });
    const hold = emptyWrite();
    w.holdSpans(A, [decodedSpan(), decodedSpan({ spanId: '1111111111111111' })], [resource('kong')], hold);
    expect(hold.waitingAdd).toEqual([{ traceId: TRACE_A, kind: 'spans', payload: expect.any(String) }]);
    expect([w.spanCount, w.logCount]).toEqual([2, 0]);

    const settle = emptyWrite();
    const r = w.release(A, settle)!;
    expect(r.spans!.spans.map((s) => s.spanId)).toEqual(['0123456789abcdef', '1111111111111111']);
    expect(settle.waitingDone).toEqual([TRACE_A]);
    expect(w.spanCount).toBe(0);
    expect(w.release(A, emptyWrite())).toBeUndefined();
    // The write failed: what was acknowledged waits again, with nothing new to store.
    r.putBack();
    expect(w.spanCount).toBe(2);
  });

  it("keeps one tenant's waiting data apart from another's with the same trace id", () => {
    const w = new WaitBuffer(store, { now: clock });
    const B = traceKey('team-b', TRACE_A);
    w.holdSpans(A, [decodedSpan()], [resource('a')], emptyWrite());
    w.holdLog(B, decodedLog(), resource('b'), emptyWrite());
    expect(w.release(A, emptyWrite())).toMatchObject({ spans: { resources: [resource('a')] }, logs: undefined });
    expect(w.release(B, emptyWrite())).toMatchObject({ spans: undefined, logs: [{ resource: resource('b') }] });
  });

  it('rebases the resource indexes of spans that arrive in another request', () => {
    const w = new WaitBuffer(store, { now: clock });
    w.holdSpans(A, [decodedSpan({ resource: 1 })], [resource('x'), resource('first')], emptyWrite());
    w.holdSpans(A, [decodedSpan({ spanId: '2222222222222222', resource: 0 })], [resource('second')], emptyWrite());
    const { spans } = w.release(A, emptyWrite())!;
    expect(spans!.spans.map((s) => spans!.resources[s.resource].attributes['service.name'])).toEqual(['first', 'second']);
  });

  it('says when it is full, so ingest answers with backpressure', () => {
    const w = new WaitBuffer(store, { now: clock, maxSpans: 2 });
    w.holdSpans(A, [decodedSpan()], [resource('kong')], emptyWrite());
    expect(w.full).toBe(false);
    w.holdSpans(traceKey('team-a', TRACE_B), [decodedSpan({ traceId: TRACE_B })], [resource('kong')], emptyWrite());
    expect(w.full).toBe(true);
  });

  it('expires spans and logs on their own clocks, counts them, and deletes the rows of traces nothing waits for any more', async () => {
    const w = new WaitBuffer(store, { now: clock, spanTtlMs: 1000, logTtlMs: 2000 });
    w.holdSpans(A, [decodedSpan(), decodedSpan()], [resource('kong')], emptyWrite());
    w.holdLog(A, decodedLog(), undefined, emptyWrite());
    now += 1000;
    await w.sweep();
    expect(w.stats).toEqual({ spansExpired: 2, logsExpired: 0 });
    expect([w.spanCount, w.logCount]).toEqual([0, 1]);
    expect(deleted).toEqual([]); // its log still waits: the trace's rows stay
    now += 1000;
    await w.sweep();
    expect(w.stats).toEqual({ spansExpired: 2, logsExpired: 1 });
    expect(deleted).toEqual([[TRACE_A]]);
    expect(w.keys()).toEqual([]);
  });

  it('never rejects when the store cannot delete expired rows (the database is down), and says so once', async () => {
    const warnings: string[] = [];
    const failing = { loadWaiting: (): WaitingRow[] => [], deleteWaiting: () => Promise.reject(new Error('connection lost')) };
    const w = new WaitBuffer(failing, { now: clock, spanTtlMs: 1000, warn: (m) => warnings.push(m) });
    for (const id of [TRACE_A, TRACE_B]) {
      w.holdSpans(traceKey('t', id), [decodedSpan({ traceId: id })], [resource('kong')], emptyWrite());
      now += 1000;
      await expect(w.sweep()).resolves.toBeUndefined();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/connection lost/);
  });

  it('restores stored rows after a restart under their tenant', async () => {
    const hold = emptyWrite();
    const before = new WaitBuffer(store, { now: clock });
    before.holdSpans(A, [decodedSpan()], [resource('kong')], hold);
    before.holdLog(A, decodedLog({ resource: 4 }), resource('logs'), hold);
    const rows: WaitingRow[] = hold.waitingAdd!.map((r, i) => ({ ...r, receivedMs: i, tenant: i === 0 ? 'team-a' : 'default' }));

    const after = new WaitBuffer({ ...store, loadWaiting: () => rows }, { now: clock });
    await after.restore();
    expect([after.spanCount, after.logCount]).toEqual([1, 1]);
    const spans = after.release(A, emptyWrite())!;
    expect(spans.spans!.spans[0]).toEqual(decodedSpan()); // bigint times and all
    const logs = after.release(traceKey('default', TRACE_A), emptyWrite())!;
    expect(logs.logs).toEqual([{ rec: decodedLog({ resource: 0 }), resource: resource('logs') }]);
  });
});
