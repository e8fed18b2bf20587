import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { HrTime } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { EXPORTS, LOG_ATTRIBUTES, LOG_SPAN, RESOURCE, ROOT_ATTRIBUTES, SPAN_IDS, T0, T1, T2, T3, TRACE_ID } from './otel-client';
import { BackpressureError, registerOtlpRoutes, type OtlpSink } from './receiver';
import { decodeExportResponseProtobuf, decodeStatusProtobuf } from './responses';
import { encodeLogsProtobuf, encodeTracesProtobuf } from './testing';
import type { DecodedLogBatch, DecodedTraceBatch } from './types';

const TRACE_FIXTURE = JSON.parse(readFileSync(`${__dirname}/../../../shared/fixtures/kong-trace.otlp.json`, 'utf8'));
const LOGS_FIXTURE = JSON.parse(readFileSync(`${__dirname}/../../../shared/fixtures/kong-logs.otlp.json`, 'utf8'));

/** a sink that records batches, and can be told to push back or fail */
class RecordingSink implements OtlpSink {
  traces: DecodedTraceBatch[] = [];
  logs: DecodedLogBatch[] = [];
  fail: Error | undefined;
  ingestTraces(batch: DecodedTraceBatch): void {
    if (this.fail) throw this.fail;
    this.traces.push(batch);
  }
  async ingestLogs(batch: DecodedLogBatch): Promise<void> {
    if (this.fail) throw this.fail;
    this.logs.push(batch);
  }
}

async function startServer(sink: OtlpSink, maxBodyBytes?: number): Promise<{ app: FastifyInstance; base: string }> {
  const app = Fastify();
  // a REST route outside the OTLP plugin: its JSON parsing must stay fastify's default
  app.post('/api/echo', async (req) => ({ got: req.body }));
  registerOtlpRoutes(app, sink, maxBodyBytes === undefined ? undefined : { maxBodyBytes });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { app, base: `http://127.0.0.1:${addr.port}` };
}

async function post(url: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

let sink: RecordingSink;
let app: FastifyInstance;
let base: string;

beforeEach(async () => {
  sink = new RecordingSink();
  ({ app, base } = await startServer(sink));
});
afterEach(async () => {
  await app.close();
});

const ns = (t: HrTime) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

const expectedSpans = [
  {
    traceId: TRACE_ID, spanId: SPAN_IDS[1], parentSpanId: SPAN_IDS[0], name: 'kong.balancer', kind: 3,
    startNs: ns(T0), endNs: ns(T1), attributes: { try_count: 1.5 },
    events: [{ name: 'exception', timeNs: ns(T1), attributes: { 'exception.message': 'connection refused', retry: 2 } }],
    statusCode: 2, statusMessage: 'upstream failed', resource: 0,
  },
  {
    traceId: TRACE_ID, spanId: SPAN_IDS[2], parentSpanId: SPAN_IDS[0], name: 'kong.router', kind: 1,
    startNs: ns(T1), endNs: ns(T2), attributes: {}, events: [], statusCode: 1, resource: 0,
  },
  {
    traceId: TRACE_ID, spanId: SPAN_IDS[0], parentSpanId: '', name: 'kong', kind: 2, startNs: ns(T0), endNs: ns(T3),
    attributes: ROOT_ATTRIBUTES,
    events: [], statusCode: 0, resource: 0,
  },
];
const expectedLogs = [
  {
    timeNs: ns(T1), severityNumber: 13, severityText: 'WARN', body: 'upstream slow', attributes: LOG_ATTRIBUTES,
    traceId: TRACE_ID, spanId: LOG_SPAN, resource: 0,
  },
  {
    timeNs: ns(T3), severityNumber: 0, attributes: {}, resource: 0,
    body: { decision: 'allow', nested: { list: [1, 'x', true], n: 2.5 }, raw: Buffer.from([1, 2, 255]).toString('base64') },
  },
];

describe('the real OpenTelemetry JS exporters as clients', () => {
  test('protobuf, JSON, gzip: each export decodes to exactly what was sent, to the nanosecond', async () => {
    // a child process: the exporters' dynamic import('http') does not run inside jest (see otel-client.ts)
    const { stdout } = await promisify(execFile)(process.execPath, ['--require', require.resolve('tsx/cjs'), `${__dirname}/otel-client.ts`, base], { timeout: 60_000 });
    const results = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(results).toEqual(EXPORTS.map((name) => ({ name, code: ExportResultCode.SUCCESS })));
    expect(sink.traces).toHaveLength(4);
    for (const batch of sink.traces) {
      expect(batch.rejected).toBe(0);
      expect(batch.resources).toHaveLength(1);
      expect(batch.resources[0]).toMatchObject({ scopeName: 'kong-internal', scopeVersion: '0.1.0' });
      expect(batch.resources[0].attributes).toMatchObject(RESOURCE);
      expect(batch.spans).toEqual(expectedSpans);
    }
    expect(sink.logs).toHaveLength(2);
    for (const batch of sink.logs) {
      expect(batch.rejected).toBe(0);
      expect(batch.resources[0]).toMatchObject({ scopeName: 'kong-internal', scopeVersion: '0.1.0' });
      expect(batch.resources[0].attributes['service.name']).toBe('kong');
      expect(batch.records).toEqual(expectedLogs);
    }
  });
});

describe('Kong fixtures', () => {
  test('traces: JSON and protobuf paths decode to the same 21 spans', async () => {
    const j = await post(`${base}/v1/traces`, JSON.stringify(TRACE_FIXTURE), { 'content-type': 'application/json; charset=utf-8' });
    expect(j.status).toBe(200);
    expect(j.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(j.body.toString())).toEqual({});
    const p = await post(`${base}/v1/traces`, encodeTracesProtobuf(TRACE_FIXTURE), { 'content-type': 'application/x-protobuf' });
    expect(p.status).toBe(200);
    expect(p.headers.get('content-type')).toBe('application/x-protobuf');
    expect(p.body.length).toBe(0); // an empty ExportTraceServiceResponse = full success
    expect(sink.traces).toHaveLength(2);
    expect(sink.traces[1]).toEqual(sink.traces[0]);
    const spans = sink.traces[0].spans;
    expect(spans).toHaveLength(21);
    expect(spans[0]).toMatchObject({ name: 'kong', kind: 2, parentSpanId: '', startNs: 1751364930123000000n, endNs: 1751364930173713402n });
    expect(spans[0].attributes['http.status_code']).toBe(200);
    expect(sink.traces[0].resources).toEqual([
      {
        attributes: { 'service.instance.id': '8a6d1f3e-52b4-4c1e-9f0a-7d2b6c9e41a5', 'service.name': 'kong', 'service.version': '3.9.1', 'deployment.environment': 'staging' },
        scopeName: 'kong-internal',
        scopeVersion: '0.1.0',
      },
    ]);
  });

  test('logs: JSON and protobuf paths decode to the same 5 records', async () => {
    const j = await post(`${base}/v1/logs`, JSON.stringify(LOGS_FIXTURE), { 'content-type': 'application/json' });
    const p = await post(`${base}/v1/logs`, encodeLogsProtobuf(LOGS_FIXTURE), { 'content-type': 'application/x-protobuf' });
    expect([j.status, p.status]).toEqual([200, 200]);
    expect(sink.logs).toHaveLength(2);
    expect(sink.logs[1]).toEqual(sink.logs[0]);
    const recs = sink.logs[0].records;
    expect(recs).toHaveLength(5);
    expect(recs[0].traceId).toBeUndefined(); // worker-scoped
    expect(recs[2]).toMatchObject({ severityNumber: 17, severityText: 'ERR', spanId: '21355c6dc28da9a9' });
    expect(recs[4]).toMatchObject({ body: null, traceId: TRACE_ID });
    expect(recs[4].spanId).toBeUndefined();
  });

  test('one trace split over two POSTs arrives as two batches holding all spans once', async () => {
    const spans = TRACE_FIXTURE.resourceSpans[0].scopeSpans[0].spans;
    const half = (part: unknown[]) => ({
      resourceSpans: [{ ...TRACE_FIXTURE.resourceSpans[0], scopeSpans: [{ ...TRACE_FIXTURE.resourceSpans[0].scopeSpans[0], spans: part }] }],
    });
    // the root comes in the second POST, as Kong may do
    for (const part of [spans.slice(1, 15), [...spans.slice(15), spans[0]]]) {
      const r = await post(`${base}/v1/traces`, encodeTracesProtobuf(half(part)), { 'content-type': 'application/x-protobuf' });
      expect(r.status).toBe(200);
    }
    expect(sink.traces.map((b) => b.spans.length)).toEqual([14, 7]);
    const ids = sink.traces.flatMap((b) => b.spans.map((s) => s.spanId)).sort();
    expect(ids).toEqual(spans.map((s: { spanId: string }) => s.spanId).sort());
    expect(sink.traces[1].spans[6]).toMatchObject({ name: 'kong', traceId: TRACE_ID });
  });
});

/** the fixture with its third span's id cut to 2 bytes */
function fixtureWithBadSpan() {
  const doc = structuredClone(TRACE_FIXTURE);
  doc.resourceSpans[0].scopeSpans[0].spans[2].spanId = 'abcd';
  return doc;
}

describe('bad input', () => {
  test('protobuf: a bad id in one span → 200 partial_success, the 20 good spans kept', async () => {
    const r = await post(`${base}/v1/traces`, encodeTracesProtobuf(fixtureWithBadSpan()), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(200);
    const partial = decodeExportResponseProtobuf(r.body);
    expect(partial?.rejected).toBe(1);
    expect(partial?.errorMessage).toMatch(/span_id must be 8 bytes, got 2/);
    expect(sink.traces[0].spans).toHaveLength(20);
    expect(sink.traces[0].spans.map((s) => s.name)).not.toContain('kong.router');
  });

  test('JSON: a bad id in one span → 200 partialSuccess, the 20 good spans kept', async () => {
    const r = await post(`${base}/v1/traces`, JSON.stringify(fixtureWithBadSpan()), { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body.toString());
    expect(body.partialSuccess.rejectedSpans).toBe('1');
    expect(body.partialSuccess.errorMessage).toMatch(/spans\[2\]: spanId must be 8 bytes/);
    expect(sink.traces[0].spans).toHaveLength(20);
  });

  test('logs: a bad trace id in one record → partial success naming rejected_log_records', async () => {
    const doc = structuredClone(LOGS_FIXTURE);
    doc.resourceLogs[0].scopeLogs[0].logRecords[1].traceId = 'ff';
    const r = await post(`${base}/v1/logs`, encodeLogsProtobuf(doc), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(200);
    expect(decodeExportResponseProtobuf(r.body)).toEqual({ rejected: 1, errorMessage: expect.stringMatching(/trace_id must be 0 or 16 bytes, got 1/) });
    expect(sink.logs[0].records).toHaveLength(4);
  });

  test('truncated protobuf → 400 with a protobuf google.rpc.Status naming the byte offset', async () => {
    const pb = encodeTracesProtobuf(TRACE_FIXTURE);
    const r = await post(`${base}/v1/traces`, pb.subarray(0, pb.length - 10), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/x-protobuf');
    const status = decodeStatusProtobuf(r.body);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^malformed protobuf: .* at byte \d+: .*runs past the end/);
    expect(sink.traces).toHaveLength(0);
  });

  test('wrong wire type → 400', async () => {
    // field 1 (resource_spans) as a varint instead of length-delimited
    const r = await post(`${base}/v1/traces`, Buffer.from([0x08, 0x01]), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(400);
    expect(decodeStatusProtobuf(r.body).message).toBe('malformed protobuf: ResourceSpans at byte 0: field 1 has wire type 0, expected 2');
  });

  test('bad JSON → 400 with a JSON Status', async () => {
    const r = await post(`${base}/v1/logs`, '{"resourceLogs": [', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    const status = JSON.parse(r.body.toString());
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^invalid JSON: /);
  });

  test('JSON with the wrong envelope → 400 naming the field', async () => {
    const r = await post(`${base}/v1/traces`, '{"resourceSpans": {}}', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body.toString()).message).toBe('resourceSpans must be an array, got object');
  });

  test('an empty request is a valid, empty export', async () => {
    const r = await post(`${base}/v1/traces`, Buffer.alloc(0), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(200);
    expect(sink.traces).toHaveLength(0);
  });

  test.each([
    ['text/plain', 'hello'],
    ['application/xml', '<a/>'],
  ])('Content-Type %s → 415', async (ct, body) => {
    const r = await post(`${base}/v1/traces`, body, { 'content-type': ct });
    expect(r.status).toBe(415);
    expect(JSON.parse(r.body.toString()).message).toMatch(/unsupported Content-Type .*application\/x-protobuf or application\/json/);
  });

  test('no Content-Type at all → 415', async () => {
    const res = await fetch(`${base}/v1/logs`, { method: 'POST', body: new Uint8Array(encodeLogsProtobuf(LOGS_FIXTURE)) });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toMatch(/unsupported Content-Type \(none\)/);
  });

  test('JSON logs with a bad record → partialSuccess.rejectedLogRecords', async () => {
    const doc = structuredClone(LOGS_FIXTURE);
    doc.resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano = 'yesterday';
    const r = await post(`${base}/v1/logs`, JSON.stringify(doc), { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body.toString());
    expect(body.partialSuccess).toEqual({ rejectedLogRecords: '1', errorMessage: expect.stringMatching(/^1 log records rejected: .*logRecords\[0\]: timeUnixNano must be/) });
    expect(sink.logs[0].records).toHaveLength(4);
  });

  test('unsupported Content-Encoding → 415', async () => {
    const r = await post(`${base}/v1/traces`, encodeTracesProtobuf(TRACE_FIXTURE), { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' });
    expect(r.status).toBe(415);
    expect(decodeStatusProtobuf(r.body).message).toMatch(/unsupported Content-Encoding "br"/);
  });

  test('bad gzip → 400', async () => {
    const r = await post(`${base}/v1/traces`, Buffer.from('not gzip at all'), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect(decodeStatusProtobuf(r.body).message).toMatch(/^invalid gzip body: /);
  });

  test('gzip-encoded fixture is accepted', async () => {
    const r = await post(`${base}/v1/traces`, gzipSync(encodeTracesProtobuf(TRACE_FIXTURE)), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(r.status).toBe(200);
    expect(sink.traces[0].spans).toHaveLength(21);
  });

  test('sink over capacity → 429 with Retry-After, nothing lost silently', async () => {
    sink.fail = new BackpressureError(7);
    const r = await post(`${base}/v1/traces`, encodeTracesProtobuf(TRACE_FIXTURE), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(decodeStatusProtobuf(r.body).message).toMatch(/over capacity/);
  });

  test('sink failing unexpectedly → 500 with a Status, the server keeps serving', async () => {
    sink.fail = new Error('disk full');
    const r = await post(`${base}/v1/logs`, JSON.stringify(LOGS_FIXTURE), { 'content-type': 'application/json' });
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body.toString()).message).toBe('ingest failed: disk full');
    sink.fail = undefined;
    const again = await post(`${base}/v1/logs`, JSON.stringify(LOGS_FIXTURE), { 'content-type': 'application/json' });
    expect(again.status).toBe(200);
  });

  test('the REST API outside the plugin still parses JSON itself', async () => {
    const r = await post(`${base}/api/echo`, '{"a":1}', { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({ got: { a: 1 } });
  });
});

describe('size limits', () => {
  let small: { app: FastifyInstance; base: string };
  beforeEach(async () => {
    small = await startServer(sink, 64 * 1024);
  });
  afterEach(async () => {
    await small.app.close();
  });

  test('oversize body → 413 with a Status in the request encoding', async () => {
    const r = await post(`${small.base}/v1/traces`, Buffer.alloc(65 * 1024, 0x0a), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(413);
    expect(decodeStatusProtobuf(r.body).message).toBe('body exceeds the limit of 65536 bytes');
  });

  test('gzip bomb (small compressed, huge inflated) → 413', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const r = await post(`${small.base}/v1/traces`, bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body.toString()).message).toBe('decompressed body exceeds the limit of 65536 bytes');
  });

  test('a body under the limit passes', async () => {
    const r = await post(`${small.base}/v1/traces`, encodeTracesProtobuf(TRACE_FIXTURE), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(200);
  });
});
