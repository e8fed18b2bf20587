/*
 * Kong-shaped OTLP protobuf export requests for the soak test, made fast enough for an open loop at several hundred
 * requests a second: one request (10 traces of the shared Kong fixture's first 20 spans, as the benchmarks send) is
 * encoded once, and each batch is a copy with fresh trace and span ids written over the template's. The template's
 * ids are random, so each is found in the encoding exactly where the spans carry it.
 */
import { randomFillSync } from 'node:crypto';
import { kongTraceSpans, MATCH_PATH, SPANS_PER_TRACE, tracesDoc } from '../../bench/util';
import { encodeTracesProtobuf } from '../../server/otlp/testing';

export const SOAK_RULE = `http.path ^= "${MATCH_PATH}"`;
export const TRACES_PER_BATCH = 10;
export const SPANS_PER_BATCH = TRACES_PER_BATCH * SPANS_PER_TRACE;

export interface Batch {
  body: Buffer;
  /** hex, as the REST API names them */
  traceIds: string[];
}

function offsetsOf(buf: Buffer, id: Buffer): number[] {
  const out: number[] = [];
  for (let i = buf.indexOf(id); i !== -1; i = buf.indexOf(id, i + 1)) out.push(i);
  return out;
}

export class BatchFactory {
  private readonly template: Buffer;
  /** per template trace: where its 16-byte id is */
  private readonly traces: number[][];
  /** per template span: where its 8-byte id is (as spanId and as its children's parentSpanId) */
  private readonly spans: number[][];

  constructor() {
    const start = Date.now() - 60_000;
    const spans: any[] = [];
    for (let t = 0; t < TRACES_PER_BATCH; t++) spans.push(...kongTraceSpans(start + t, true));
    this.template = encodeTracesProtobuf(tracesDoc(spans));
    this.traces = [...new Set(spans.map((s) => s.traceId as string))].map((id) => offsetsOf(this.template, Buffer.from(id, 'hex')));
    this.spans = spans.map((s) => offsetsOf(this.template, Buffer.from(s.spanId, 'hex')));
    const children = spans.filter((s) => s.parentSpanId).length;
    if (this.traces.some((o) => o.length !== SPANS_PER_TRACE) || this.spans.flat().length !== spans.length + children) {
      throw new Error('soak batches: the template ids are not where the spans carry them');
    }
  }

  next(): Batch {
    const body = Buffer.from(this.template);
    const ids = Buffer.alloc(16 * this.traces.length + 8 * this.spans.length);
    randomFillSync(ids);
    const traceIds: string[] = [];
    this.traces.forEach((offsets, t) => {
      const id = ids.subarray(16 * t, 16 * t + 16);
      for (const o of offsets) id.copy(body, o);
      traceIds.push(id.toString('hex'));
    });
    const base = 16 * this.traces.length;
    this.spans.forEach((offsets, s) => {
      const id = ids.subarray(base + 8 * s, base + 8 * s + 8);
      for (const o of offsets) id.copy(body, o);
    });
    return { body, traceIds };
  }
}
