import fs from 'node:fs';
import path from 'node:path';
import { gzipSync, strToU8, zipSync } from 'fflate';
import { traceSummary } from '../../common/lifecycle';
import { enterpriseTraceFixture, spansFromOtlpJson } from '../../common/spans/testing';
import { toApiSpan } from '../ingest/api-shapes';
import { encodeLogsJson, encodeTraceJson } from '../otlp/encode-json';
import { encodeTracesProtobuf } from '../otlp/testing';
import { loadFixture } from '../testing/otlp-builders';
import { parseUpload, UploadError } from './parse';

const text = (v: unknown) => strToU8(typeof v === 'string' ? v : JSON.stringify(v));
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name));
const errorOf = (bytes: Uint8Array, opts = {}) => {
  try {
    parseUpload(bytes, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(UploadError);
    return (e as Error).message;
  }
  throw new Error('expected an UploadError');
};

describe('parseUpload', () => {
  const shared = loadFixture('kong-trace.otlp.json');
  const sharedSpans = spansFromOtlpJson(shared);

  it('reads OTLP/JSON as Kong sends it', () => {
    const p = parseUpload(text(shared));
    expect(p.format).toBe('otlp-json');
    expect(p.traces.spans.map(toApiSpan)).toEqual(sharedSpans);
  });

  it("reads Konnect's export of an enterprise trace: snake_case, base64 ids, attributes as an object, enum names", () => {
    const p = parseUpload(fixture('konnect-enterprise-trace.json'));
    expect(p.format).toBe('konnect-json');
    const fx = enterpriseTraceFixture();
    expect(p.traces.spans.map(toApiSpan)).toEqual(fx.spans);
    expect(p.traces.resources[0]).toEqual({ attributes: fx.resource, scopeName: 'kong-internal', scopeVersion: '0.1.0' });
  });

  it("reads Konnect's export of the shared fixture to the same summary", () => {
    const p = parseUpload(fixture('konnect-oss-trace.json'));
    const spans = p.traces.spans.map(toApiSpan);
    expect(traceSummary('fe42545217a406e81da675f9d52a2532', spans)).toEqual(traceSummary('fe42545217a406e81da675f9d52a2532', sharedSpans));
  });

  it('accepts the Konnect viewer shape (batches) and bare-number nanoseconds without losing digits', () => {
    const doc = JSON.stringify({ batches: shared.resourceSpans }).replace(/"(startTimeUnixNano|endTimeUnixNano)":"(\d+)"/g, '"$1":$2');
    expect(doc).toContain('"startTimeUnixNano":1751364930123612340');
    const p = parseUpload(text(doc));
    expect(p.traces.spans.map(toApiSpan)).toEqual(sharedSpans);
  });

  it('reads OTLP protobuf', () => {
    const p = parseUpload(encodeTracesProtobuf(shared));
    expect(p.format).toBe('otlp-protobuf');
    expect(p.traces.spans.map(toApiSpan)).toEqual(sharedSpans);
  });

  it('reads our zip (trace and logs), and a gzip-compressed file', () => {
    const fx = enterpriseTraceFixture();
    const logs = encodeLogsJson(fx, [
      { id: '1', sessionId: 's', timeUnixNano: '1764000000000000100', timeMs: 0, level: 'info', severityNumber: 9, body: 'hello', attributes: {}, traceId: fx.traceId, spanId: 'a000000000000001' },
    ]);
    const zip = zipSync({ 'trace.json': text(encodeTraceJson(fx)), 'logs.json': text(logs), 'README.txt': text('not ours') });
    const p = parseUpload(zip);
    expect(p.format).toBe('zip');
    expect(p.traces.spans.map(toApiSpan)).toEqual(fx.spans);
    expect(p.logs.records.map((r) => r.body)).toEqual(['hello']);
    expect(parseUpload(gzipSync(text(encodeTraceJson(fx)))).traces.spans.length).toBe(fx.spans.length);
  });

  it('says what is wrong and where', () => {
    expect(errorOf(text('{\n  "resourceSpans": [\n    {,\n'))).toMatch(/^invalid JSON at line 3, column 6/);
    expect(errorOf(text({ hello: 1 }))).toBe('not an OTLP traces or logs document: expected "resourceSpans" (or "resource_spans", "batches") at the top, found "hello"');
    const bad = JSON.parse(JSON.stringify(shared));
    bad.resourceSpans[0].scopeSpans[0].spans[3].spanId = 'xyz';
    expect(errorOf(text(bad))).toMatch(/^1 item\(s\) cannot be read: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[3\]: spanId must be 8 bytes/);
    expect(errorOf(zipSync({ 'trace.json': text('{"resourceSpans": 3}') }))).toBe('trace.json: resourceSpans must be an array, got number');
    expect(errorOf(text(encodeLogsJson({ resource: {} }, [])))).toMatch(/holds no spans/);
    expect(errorOf(new Uint8Array([0x0a, 0xff, 0xff, 0xff]))).toMatch(/^not JSON, and not an OTLP protobuf ExportTraceServiceRequest: /);
    expect(errorOf(new Uint8Array())).toBe('the file is empty');
  });

  it('refuses a zip whose contents exceed the limit', () => {
    const zip = zipSync({ 'trace.json': new Uint8Array(200_000) }, { level: 9 });
    expect(zip.length).toBeLessThan(10_000);
    expect(errorOf(zip, { maxUnpackedBytes: 100_000 })).toBe("the zip's contents are larger than the 100000 bytes accepted");
  });
});
