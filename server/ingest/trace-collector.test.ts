import type { Span } from '../../common/api';
import { decodeTracesJson } from '../otlp/decode-json';
import { kongRequest, tracesPayload } from '../testing/otlp-builders';
import { toApiSpan } from './api-shapes';
import { TraceCollector } from './trace-collector';
import { emptyWrite } from './testing';
import { traceKey } from './trace-key';

function setup() {
  const t = kongRequest();
  const batch = decodeTracesJson(tracesPayload(t.spans));
  const reads: string[] = [];
  let stored: Span[] = [];
  const store = { getSpans: (_tenant: string, id: string) => (reads.push(id), stored) };
  return { t, batch, reads, store, setStored: (s: Span[]) => (stored = s) };
}

describe('TraceCollector', () => {
  it('writes a trace judged just now without reading the store: spans, its row, one membership a session', async () => {
    const { t, batch, reads, store } = setup();
    const c = new TraceCollector(store);
    const key = traceKey('a', t.traceId);
    c.begin(key);
    const write = emptyWrite();
    await c.collect(key, batch.spans, batch.resources, { sessions: ['s1', 's2'], logSessions: [] }, write);
    expect(reads).toEqual([]);
    // nothing of it was stored: the store need not look for an older copy of its row
    expect(write.newTraces).toEqual(new Set([t.traceId]));
    expect(write.spans).toHaveLength(3);
    expect(write.traces).toMatchObject([{ traceId: t.traceId, spanCount: 3 }]);
    expect(write.memberships).toEqual([
      ['s1', t.traceId, write.traces[0].startTimeMs],
      ['s2', t.traceId, write.traces[0].startTimeMs],
    ]);
  });

  it('folds a span that comes twice in the batch judging its trace', async () => {
    const { t, batch, store } = setup();
    const c = new TraceCollector(store);
    const key = traceKey('a', t.traceId);
    c.begin(key);
    const write = emptyWrite();
    await c.collect(key, [...batch.spans, batch.spans[1]], batch.resources, { sessions: ['s1'], logSessions: [] }, write);
    expect(write.traces[0].spanCount).toBe(3);
    await c.collect(key, batch.spans.slice(0, 1), batch.resources, { sessions: ['s1'], logSessions: [] }, write);
    expect(write.traces[0].spanCount).toBe(3);
    expect(write.newTraces).toEqual(new Set([t.traceId]));
    // a later write of it: its row was stored, it may move to another day
    const later = emptyWrite();
    await c.collect(key, batch.spans.slice(0, 1), batch.resources, { sessions: ['s1'], logSessions: [] }, later);
    expect(later.newTraces).toBeUndefined();
  });

  it('recomputes the row over what is stored for late spans of a trace no longer in memory, and keeps one row a trace per write', async () => {
    const { t, batch, reads, store, setStored } = setup();
    setStored(batch.spans.slice(0, 2).map(toApiSpan));
    const c = new TraceCollector(store);
    const key = traceKey('a', t.traceId);
    const write = emptyWrite();
    const d = { sessions: ['s1'], logSessions: [] };
    await c.collect(key, batch.spans.slice(2), batch.resources, d, write);
    expect(reads).toEqual([t.traceId]);
    expect(write.traces).toMatchObject([{ spanCount: 3 }]);
    expect(write.newTraces).toBeUndefined();
    await c.collect(key, batch.spans.slice(2), batch.resources, d, write); // a retry: merged, not doubled
    expect(reads).toHaveLength(1);
    expect(write.traces).toHaveLength(1);
    expect(write.traces[0].spanCount).toBe(3);
  });

  it("never answers one tenant's trace from another tenant's spans in memory", async () => {
    const { t, batch, reads, store } = setup();
    const c = new TraceCollector(store);
    c.begin(traceKey('a', t.traceId));
    await c.collect(traceKey('a', t.traceId), batch.spans, batch.resources, { sessions: ['s1'], logSessions: [] }, emptyWrite());
    const write = emptyWrite();
    await c.collect(traceKey('b', t.traceId), batch.spans.slice(0, 1), batch.resources, { sessions: ['s9'], logSessions: [] }, write);
    expect(reads).toEqual([t.traceId]);
    expect(write.traces[0].spanCount).toBe(1);
  });
});
