import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_LIMITS, resolveLimits, truncateUtf8, type OtlpLimits } from './limits';
import { registerOtlpRoutes, type OtlpSink } from './receiver';
import { decodeExportResponseProtobuf, decodeStatusProtobuf } from './responses';
import { encodeLogsProtobuf, encodeTracesProtobuf } from './testing';
import type { DecodedLogBatch, DecodedTraceBatch } from './types';

/* Each limit of the receiver, through real HTTP, in both encodings. */

class RecordingSink implements OtlpSink {
  traces: DecodedTraceBatch[] = [];
  logs: DecodedLogBatch[] = [];
  ingestTraces(batch: DecodedTraceBatch): void {
    this.traces.push(batch);
  }
  ingestLogs(batch: DecodedLogBatch): void {
    this.logs.push(batch);
  }
}

let app: FastifyInstance;
let base: string;
let sink: RecordingSink;

async function start(limits?: Partial<OtlpLimits>): Promise<void> {
  sink = new RecordingSink();
  app = Fastify();
  registerOtlpRoutes(app, sink, { limits });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${addr.port}`;
}
afterEach(async () => {
  await app?.close();
});

type Enc = 'json' | 'protobuf';
const ENCODINGS: Enc[] = ['json', 'protobuf'];

/** posts an OTLP/JSON doc in the given encoding; returns status and the decoded reply */
async function post(signal: 'traces' | 'logs', doc: object, enc: Enc) {
  const body =
    enc === 'json' ? JSON.stringify(doc) : signal === 'traces' ? encodeTracesProtobuf(doc) : encodeLogsProtobuf(doc);
  const res = await fetch(`${base}/v1/${signal}`, {
    method: 'POST',
    body,
    headers: { 'content-type': enc === 'json' ? 'application/json' : 'application/x-protobuf' },
  });
  const buf = Buffer.from(await res.arrayBuffer());
  let message = '';
  let rejected = 0;
  if (res.status !== 200)
    message = enc === 'json' ? JSON.parse(buf.toString()).message : decodeStatusProtobuf(buf).message;
  else if (enc === 'json') {
    const ps = JSON.parse(buf.toString()).partialSuccess;
    message = ps?.errorMessage ?? '';
    rejected = Number(ps?.rejectedSpans ?? ps?.rejectedLogRecords ?? 0);
  } else {
    const ps = decodeExportResponseProtobuf(buf);
    message = ps?.errorMessage ?? '';
    rejected = ps?.rejected ?? 0;
  }
  return { status: res.status, message, rejected };
}

let idCounter = 1;
const hex = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, '0');
const kv = (key: string, v: string | number) => ({
  key,
  value: typeof v === 'string' ? { stringValue: v } : { intValue: String(v) },
});

function span(attributes: object[] = [], events: object[] = []) {
  const n = idCounter++;
  return {
    traceId: hex(n, 16),
    spanId: hex(n, 8),
    name: 'kong',
    kind: 2,
    startTimeUnixNano: '1000',
    endTimeUnixNano: '2000',
    attributes,
    events,
  };
}
const traces = (spans: object[], resourceAttrs: object[] = []) => ({
  resourceSpans: [
    { resource: { attributes: resourceAttrs }, scopeSpans: [{ scope: { name: 'kong-internal' }, spans }] },
  ],
});
const record = (attributes: object[] = []) => ({
  timeUnixNano: '1000',
  severityNumber: 9,
  body: { stringValue: 'hello' },
  attributes,
});
const logs = (records: object[], resourceAttrs: object[] = []) => ({
  resourceLogs: [
    { resource: { attributes: resourceAttrs }, scopeLogs: [{ scope: { name: 'kong-internal' }, logRecords: records }] },
  ],
});
const manyAttrs = (n: number, prefix = 'a') => Array.from({ length: n }, (_, i) => kv(`${prefix}${i}`, i));

describe('DEFAULT_LIMITS and resolveLimits', () => {
  it('documents the defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxBodyBytes: 16 * 1024 * 1024,
      maxSpansPerRequest: 50_000,
      maxLogRecordsPerRequest: 50_000,
      maxAttributesPerItem: 256,
      maxAttributeValueBytes: 16 * 1024,
      maxAttributeKeyBytes: 1024,
    });
  });
  it('overrides given values and refuses nonsense', () => {
    expect(resolveLimits({ maxSpansPerRequest: 10 })).toEqual({ ...DEFAULT_LIMITS, maxSpansPerRequest: 10 });
    expect(() => resolveLimits({ maxAttributesPerItem: 0 })).toThrow(
      'OTLP limit maxAttributesPerItem must be a positive integer, got 0'
    );
    expect(() => resolveLimits({ maxAttributeValueBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('truncateUtf8', () => {
  it('cuts on a character boundary within the byte budget', () => {
    expect(truncateUtf8('abcdef', 4)).toBe('abcd');
    expect(truncateUtf8('abc', 4)).toBe('abc');
    // é is 2 bytes, 😀 is 4: never half a character
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('😀😀', 5)).toBe('😀');
    expect(truncateUtf8('😀', 3)).toBe('');
  });
});

it('a JSON number time beyond uint64 is a per-item error (found by the fuzz: 1e308 was a 500)', async () => {
  await start();
  const r = await post('traces', traces([{ ...span(), endTimeUnixNano: 1e308 }, span()]), 'json');
  expect([r.status, r.rejected]).toEqual([200, 1]);
  expect(r.message).toMatch(/endTimeUnixNano must be an unsigned 64-bit integer \(string or number\), got 1e\+308/);
  expect(sink.traces[0].spans).toHaveLength(1);
});

describe.each(ENCODINGS)('limits over HTTP (%s)', (enc) => {
  it('spans per request: over the limit the whole request is 413, naming limit and count', async () => {
    await start({ maxSpansPerRequest: 3 });
    const r = await post('traces', traces([span(), span(), span(), span()]), enc);
    expect(r.status).toBe(413);
    expect(r.message).toBe('request has 4 spans, over the limit of 3 spans per request: send smaller batches');
    expect(sink.traces).toHaveLength(0);
    const ok = await post('traces', traces([span(), span(), span()]), enc);
    expect(ok).toEqual({ status: 200, message: '', rejected: 0 });
    expect(sink.traces[0].spans).toHaveLength(3);
  });

  it('log records per request: over the limit the whole request is 413', async () => {
    await start({ maxLogRecordsPerRequest: 2 });
    const r = await post('logs', logs([record(), record(), record()]), enc);
    expect(r.status).toBe(413);
    expect(r.message).toBe(
      'request has 3 log records, over the limit of 2 log records per request: send smaller batches'
    );
    expect(sink.logs).toHaveLength(0);
    expect((await post('logs', logs([record(), record()]), enc)).status).toBe(200);
    expect(sink.logs[0].records).toHaveLength(2);
  });

  it('attributes per span, event and resource: extras dropped and counted, items kept', async () => {
    await start({ maxAttributesPerItem: 4 });
    const big = span(manyAttrs(6), [{ name: 'ev', timeUnixNano: '1500', attributes: manyAttrs(5, 'e') }]);
    const small = span(manyAttrs(2));
    const r = await post('traces', traces([big, small], manyAttrs(7, 'r')), enc);
    expect(r).toEqual({
      status: 200,
      rejected: 0,
      message: 'accepted with limits applied: 6 attributes dropped on 3 items over the limit of 4 attributes per item',
    });
    const b = sink.traces[0];
    expect(b.spans).toHaveLength(2);
    expect(b.spans[0].attributes).toEqual({ a0: 0, a1: 1, a2: 2, a3: 3 });
    expect(b.spans[0].droppedAttributesCount).toBe(2);
    expect(b.spans[0].events[0].attributes).toEqual({ e0: 0, e1: 1, e2: 2, e3: 3 });
    expect(b.spans[0].events[0].droppedAttributesCount).toBe(1);
    expect(b.spans[1].attributes).toEqual({ a0: 0, a1: 1 });
    expect(b.spans[1].droppedAttributesCount).toBeUndefined();
    expect(Object.keys(b.resources[0].attributes)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(b.resources[0].droppedAttributesCount).toBe(3);
  });

  it('attributes per log record: extras dropped and counted, record kept', async () => {
    await start({ maxAttributesPerItem: 3 });
    const r = await post('logs', logs([record(manyAttrs(5)), record(manyAttrs(1))]), enc);
    expect(r).toEqual({
      status: 200,
      rejected: 0,
      message: 'accepted with limits applied: 2 attributes dropped on 1 items over the limit of 3 attributes per item',
    });
    expect(sink.logs[0].records.map((x) => Object.keys(x.attributes))).toEqual([['a0', 'a1', 'a2'], ['a0']]);
    expect(sink.logs[0].records[0].droppedAttributesCount).toBe(2);
    expect(sink.logs[0].records[0].body).toBe('hello');
  });

  it('default attribute limit is 256', async () => {
    await start();
    const r = await post('traces', traces([span(manyAttrs(300))]), enc);
    expect(r.message).toBe(
      'accepted with limits applied: 44 attributes dropped on 1 items over the limit of 256 attributes per item'
    );
    expect(Object.keys(sink.traces[0].spans[0].attributes)).toHaveLength(256);
  });

  it('attribute value length: strings truncated (nested ones too), counted, reported', async () => {
    await start({ maxAttributeValueBytes: 8 });
    const nested = {
      key: 'list',
      value: {
        arrayValue: { values: [{ stringValue: '0123456789' }, { kvlistValue: { values: [kv('k', 'abcdefghij')] } }] },
      },
    };
    const s = span([kv('short', 'ok'), kv('long', 'x'.repeat(100)), nested]);
    const r = await post('traces', traces([s]), enc);
    expect(r).toEqual({
      status: 200,
      rejected: 0,
      message: 'accepted with limits applied: 3 attribute values truncated to the limit of 8 bytes',
    });
    expect(sink.traces[0].spans[0].attributes).toEqual({
      short: 'ok',
      long: 'xxxxxxxx',
      list: ['01234567', { k: 'abcdefgh' }],
    });
  });

  it('default value limit is 16 KiB; a log body is not an attribute and is kept whole', async () => {
    await start();
    const rec = { ...record([kv('big', 'y'.repeat(20_000))]), body: { stringValue: 'z'.repeat(20_000) } };
    const r = await post('logs', logs([rec]), enc);
    expect(r.message).toBe('accepted with limits applied: 1 attribute values truncated to the limit of 16384 bytes');
    expect(sink.logs[0].records[0].attributes.big).toBe('y'.repeat(16_384));
    expect(sink.logs[0].records[0].body).toBe('z'.repeat(20_000));
  });

  it('limit warnings come after item rejections in one message', async () => {
    await start({ maxAttributesPerItem: 1 });
    const bad = { ...span(), spanId: 'abcd' };
    const r = await post('traces', traces([span(manyAttrs(2)), bad]), enc);
    expect(r.status).toBe(200);
    expect(r.rejected).toBe(1);
    expect(r.message).toMatch(
      /^1 spans rejected: .*span_?[iI]d.*; accepted with limits applied: 1 attributes dropped on 1 items over the limit of 1 attributes per item$/
    );
    expect(sink.traces[0].spans).toHaveLength(1);
  });

  it('AnyValue nesting deeper than 32 rejects just that span or log record, with a clear reason', async () => {
    await start();
    let v: object = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) v = { arrayValue: { values: [v] } };
    const good = span([kv('ok', 1)]);
    const r = await post('traces', traces([span([{ key: 'deep', value: v }]), good]), enc);
    expect([r.status, r.rejected]).toEqual([200, 1]);
    expect(r.message).toMatch(/^1 spans rejected: .*deep.*nests deeper than 32$/);
    expect(sink.traces[0].spans.map((s) => s.spanId)).toEqual([good.spanId]);
    // in a log record's attributes and in its body
    const l = await post('logs', logs([record([{ key: 'deep', value: v }]), { ...record(), body: v }, record([kv('ok', 1)])]), enc);
    expect([l.status, l.rejected]).toEqual([200, 2]);
    expect(l.message).toMatch(/^2 log records rejected: .*deep.*nests deeper than 32; .*nests deeper than 32$/);
    expect(sink.logs[0].records.map((x) => x.attributes)).toEqual([{ ok: 1 }]);
  });

  it('AnyValue nesting deeper than 32 in a resource rejects that resource\'s items only', async () => {
    await start();
    let v: object = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) v = { kvlistValue: { values: [{ key: 'k', value: v }] } };
    const kept = span();
    const doc = { resourceSpans: [...traces([span(), span()], [{ key: 'deep', value: v }]).resourceSpans, ...traces([kept]).resourceSpans] };
    const r = await post('traces', doc, enc);
    expect([r.status, r.rejected]).toEqual([200, 2]);
    expect(r.message).toMatch(/nests deeper than 32.*\(2 spans rejected\)$/);
    expect(sink.traces[0].spans.map((s) => s.spanId)).toEqual([kept.spanId]);
    expect(sink.traces[0].resources).toHaveLength(1);
  });

  it('attribute key length: an item with a key over the limit is rejected with a precise reason, its neighbours kept', async () => {
    await start({ maxAttributeKeyBytes: 16 });
    const longKey = 'k'.repeat(40);
    const nested = { key: 'outer', value: { kvlistValue: { values: [kv('é'.repeat(9), 1)] } } }; // 18 bytes, 9 characters
    const ok = span([kv('k'.repeat(16), 'at the limit')]);
    const r = await post('traces', traces([span([kv(longKey, 1)]), ok, span([nested]), span([], [{ name: 'ev', timeUnixNano: '1500', attributes: [kv(longKey, 'x')] }])]), enc);
    expect([r.status, r.rejected]).toEqual([200, 3]);
    expect(r.message).toContain(`attribute key "${'k'.repeat(32)}"… of 40 bytes is over the limit of 16 bytes per key`);
    expect(r.message).toContain(`attribute "outer": nested attribute key "${'é'.repeat(9)}" of 18 bytes is over the limit of 16 bytes per key`);
    expect(r.message).toContain('event "ev": attribute key');
    expect(sink.traces[0].spans.map((s) => s.spanId)).toEqual([ok.spanId]);

    // a resource key over the limit rejects that resource's items; log records too
    const l = await post('logs', logs([record(), record()], [kv(longKey, 'r')]), enc);
    expect([l.status, l.rejected]).toEqual([200, 2]);
    expect(l.message).toBe(`2 log records rejected: resource attribute key "${'k'.repeat(32)}"… of 40 bytes is over the limit of 16 bytes per key: its log records are rejected`);
    expect(sink.logs).toHaveLength(0);
    const l2 = await post('logs', logs([record([kv(longKey, 1)]), record([kv('short', 1)])]), enc);
    expect([l2.status, l2.rejected]).toEqual([200, 1]);
    expect(l2.message).toMatch(/^1 log records rejected: log record: attribute key .* of 40 bytes is over the limit of 16 bytes per key$/);
    expect(sink.logs[0].records).toHaveLength(1);
  });

  it('default attribute key limit is 1024 bytes', async () => {
    await start();
    const r = await post('traces', traces([span([kv('a'.repeat(1024), 1)]), span([kv('b'.repeat(1025), 1)])]), enc);
    expect([r.status, r.rejected]).toEqual([200, 1]);
    expect(r.message).toMatch(/of 1025 bytes is over the limit of 1024 bytes per key$/);
    expect(Object.keys(sink.traces[0].spans[0].attributes)).toEqual(['a'.repeat(1024)]);
  });

  it('times beyond int64 nanoseconds reject their item with a reason, not the request (found by the fuzz: was a 500)', async () => {
    await start();
    const late = { ...span(), startTimeUnixNano: '18446744073709551615' };
    const lateEvent = span([], [{ name: 'boom', timeUnixNano: '9223372036854775808' }]);
    const r = await post('traces', traces([late, span(), lateEvent]), enc);
    expect(r.status).toBe(200);
    expect(r.rejected).toBe(2);
    expect(r.message).toContain(
      'start_time_unix_nano 18446744073709551615 is beyond the largest storable time (9223372036854775807 ns, year 2262)'
    );
    expect(r.message).toContain('event "boom" time_unix_nano 9223372036854775808 is beyond');
    expect(sink.traces[0].spans).toHaveLength(1);
    const l = await post('logs', logs([{ ...record(), timeUnixNano: '9223372036854775808' }, record()]), enc);
    expect([l.status, l.rejected]).toEqual([200, 1]);
    expect(l.message).toMatch(/log record: time_unix_nano 9223372036854775808 is beyond/);
    expect(sink.logs[0].records).toHaveLength(1);
  });

  it('body size over maxBodyBytes is 413', async () => {
    await start({ maxBodyBytes: 1000 });
    const r = await post('traces', traces([span([kv('pad', 'p'.repeat(2000))])]), enc);
    expect(r.status).toBe(413);
    expect(r.message).toBe('body exceeds the limit of 1000 bytes');
  });
});
