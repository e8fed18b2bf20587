import { readFileSync } from 'node:fs';
import { Writer } from 'protobufjs/minimal';
import { decodeLogsProtobuf, decodeTracesProtobuf } from './decode-protobuf';
import { decodeLogsJson, decodeTracesJson } from './decode-json';
import { OtlpDecodeError } from './errors';
import { encodeLogsProtobuf, encodeTracesProtobuf } from './testing';

const TRACE_FIXTURE = JSON.parse(readFileSync(`${__dirname}/../../../shared/fixtures/kong-trace.otlp.json`, 'utf8'));
const LOGS_FIXTURE = JSON.parse(readFileSync(`${__dirname}/../../../shared/fixtures/kong-logs.otlp.json`, 'utf8'));

const TID = 'fe42545217a406e81da675f9d52a2532';
const SID = '2e5dccf8c54cffd5';

/** one-span request in OTLP/JSON, to be encoded with the independent test writer */
function oneSpan(span: object, resourceAttrs: object[] = []) {
  return { resourceSpans: [{ resource: { attributes: resourceAttrs }, scopeSpans: [{ scope: { name: 's' }, spans: [span] }] }] };
}
const base = { traceId: TID, spanId: SID, name: 'kong', kind: 2, startTimeUnixNano: '1', endTimeUnixNano: '2' };

function tag(w: Writer, field: number, wire: number): Writer {
  return w.uint32((field << 3) | wire);
}

/** bytes taken by the tag and length prefix of the first (length-delimited) field of `buf` */
function lenPrefix(buf: Buffer): number {
  let i = 1;
  while (buf[i] & 0x80) i++;
  return i + 1;
}

/** the length-delimited fields of a message: their tag and content */
function decodeFields(buf: Buffer): { tag: number; bytes: Buffer }[] {
  const out: { tag: number; bytes: Buffer }[] = [];
  let i = 0;
  while (i < buf.length) {
    const t = buf[i++];
    let len = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[i++];
      len |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    out.push({ tag: t, bytes: buf.subarray(i, i + len) });
    i += len;
  }
  return out;
}

describe('decodeTracesProtobuf', () => {
  it('gives consecutive spans of one trace one id string, and each span its own trace id when traces interleave', () => {
    const other = '0123456789abcdef0123456789abcdef';
    const spans = [TID, TID, other, TID, other, other].map((traceId, i) => ({ ...base, traceId, spanId: `${SID.slice(0, 14)}${i}${i}` }));
    const req = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans }] }] };
    const out = decodeTracesProtobuf(encodeTracesProtobuf(req)).spans;
    expect(out.map((s) => s.traceId)).toEqual([TID, TID, other, TID, other, other]);
    expect(out.map((s) => s.spanId)).toEqual(spans.map((s) => s.spanId));
    // a second request starting with the last trace of the first still decodes its own ids
    expect(decodeTracesProtobuf(encodeTracesProtobuf(oneSpan({ ...base, traceId: other }))).spans[0].traceId).toBe(other);
    expect(decodeTracesProtobuf(encodeTracesProtobuf(oneSpan(base))).spans[0].traceId).toBe(TID);
  });

  test('the Kong fixture decodes exactly as its JSON form does', () => {
    const pb = decodeTracesProtobuf(encodeTracesProtobuf(TRACE_FIXTURE));
    expect(pb).toEqual(decodeTracesJson(TRACE_FIXTURE));
    expect(pb.spans).toHaveLength(21);
    const dns = pb.spans.find((s) => s.spanId === '613a4c2692e3f50f')!;
    expect(dns).toMatchObject({ name: 'kong.dns', kind: 3, statusCode: 2, parentSpanId: '21355c6dc28da9a9' });
    expect(dns.events[0].name).toBe('exception');
    expect(dns.attributes['dns.record.port']).toBe(7000); // doubleValue, as Kong sends ports
  });

  test('times are exact bigint ns, up to the uint64 maximum', () => {
    const b = decodeTracesProtobuf(encodeTracesProtobuf(oneSpan({ ...base, startTimeUnixNano: '1751364930123456789', endTimeUnixNano: '18446744073709551615' })));
    expect(b.spans[0].startNs).toBe(1751364930123456789n);
    expect(b.spans[0].endNs).toBe(18446744073709551615n);
  });

  test('every AnyValue type: ints (negative, 2^53-1) as numbers, kvlist as object, bytes as base64, empty as null', () => {
    const attributes = [
      { key: 's', value: { stringValue: 'x' } },
      { key: 'b', value: { boolValue: true } },
      { key: 'i', value: { intValue: '-42' } },
      { key: 'big', value: { intValue: '9007199254740991' } },
      { key: 'neg', value: { intValue: '-9007199254740991' } },
      { key: 'd', value: { doubleValue: 2.5 } },
      { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '1' }, { arrayValue: { values: [] } }] } } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }, { key: 'n', value: { kvlistValue: { values: [] } } }] } } },
      { key: 'bytes', value: { bytesValue: 'AQL/' } },
      { key: 'empty', value: {} },
      { key: 'dup', value: { stringValue: 'first' } },
      { key: 'dup', value: { stringValue: 'second' } },
    ];
    const b = decodeTracesProtobuf(encodeTracesProtobuf(oneSpan({ ...base, attributes })));
    expect(b.spans[0].attributes).toEqual({
      s: 'x', b: true, i: -42, big: 9007199254740991, neg: -9007199254740991, d: 2.5, a: ['x', 1, []],
      kv: { k: false, n: {} }, bytes: 'AQL/', empty: null, dup: 'second',
    });
  });

  test('a span with a bad id is rejected with a reason; its neighbours are kept', () => {
    const doc = oneSpan(base);
    const spans = doc.resourceSpans[0].scopeSpans[0].spans as object[];
    spans.push({ ...base, spanId: '0102030405060708', traceId: 'ffff' }); // 2-byte trace id
    spans.push({ ...base, spanId: '0000000000000000' }); // all-zero span id
    spans.push({ ...base, spanId: undefined }); // missing
    spans.push({ ...base, spanId: '1111111111111111', parentSpanId: '00000000' }); // 4-byte parent
    spans.push({ ...base, spanId: '2222222222222222', parentSpanId: '0000000000000000' }); // zero parent = root
    const b = decodeTracesProtobuf(encodeTracesProtobuf(doc));
    expect(b.spans.map((s) => [s.spanId, s.parentSpanId])).toEqual([[SID, ''], ['2222222222222222', '']]);
    expect(b.rejected).toBe(4);
    expect(b.errors).toEqual([
      expect.stringMatching(/^span "kong" at byte \d+: trace_id must be 16 bytes, got 2$/),
      expect.stringMatching(/span_id is all zero$/),
      expect.stringMatching(/span_id must be 8 bytes, got 0$/),
      expect.stringMatching(/parent_span_id must be 0 or 8 bytes, got 4$/),
    ]);
  });

  test('unknown fields of every wire type are skipped, at every level; resource may follow its scopes', () => {
    const w = Writer.create();
    const unknown = (wr: Writer) => {
      tag(wr, 99, 0).uint32(300);
      tag(wr, 98, 1).fixed64(7);
      tag(wr, 97, 2).string('ignored');
      tag(wr, 96, 5).fixed32(1);
      tag(wr, 95, 3); // a group
      tag(wr, 1, 0).uint32(1);
      tag(wr, 95, 4);
    };
    unknown(w);
    tag(w, 1, 2).fork(); // ResourceSpans
    tag(w, 2, 2).fork(); // ScopeSpans first
    unknown(w);
    tag(w, 2, 2).fork(); // Span
    tag(w, 1, 2).bytes(Buffer.from(TID, 'hex'));
    tag(w, 2, 2).bytes(Buffer.from(SID, 'hex'));
    tag(w, 3, 2).string('congo=t61rcWkgMzE'); // trace_state: not used
    unknown(w);
    tag(w, 5, 2).string('kong');
    tag(w, 16, 5).fixed32(1); // flags
    w.ldelim();
    w.ldelim();
    tag(w, 1, 2).fork(); // Resource after the scope
    tag(w, 1, 2).fork();
    tag(w, 1, 2).string('service.name');
    tag(w, 2, 2).fork();
    unknown(w);
    tag(w, 1, 2).string('kong');
    w.ldelim();
    w.ldelim();
    tag(w, 2, 0).uint32(3); // dropped_attributes_count
    w.ldelim();
    unknown(w);
    w.ldelim();
    const b = decodeTracesProtobuf(w.finish());
    expect(b.rejected).toBe(0);
    expect(b.spans).toEqual([expect.objectContaining({ traceId: TID, spanId: SID, name: 'kong' })]);
    expect(b.resources).toEqual([{ attributes: { 'service.name': 'kong' } }]);
  });

  test('a wrong wire type on a known field is an error naming the field and offset', () => {
    const w = Writer.create();
    tag(w, 1, 2).fork();
    tag(w, 2, 2).fork();
    tag(w, 2, 2).fork();
    tag(w, 5, 0).uint32(1); // Span.name as varint
    w.ldelim().ldelim().ldelim();
    expect(() => decodeTracesProtobuf(w.finish())).toThrow(new OtlpDecodeError('malformed protobuf: Span.name at byte 6: field 5 has wire type 0, expected 2'));
  });

  test('every truncation of the fixture is an OtlpDecodeError with a byte offset, never another error', () => {
    const pb = encodeTracesProtobuf(TRACE_FIXTURE);
    const wrong: string[] = [];
    for (let i = 1; i < pb.length; i++) {
      try {
        decodeTracesProtobuf(pb.subarray(0, i));
        wrong.push(`${i}: no error`);
      } catch (e) {
        if (!(e instanceof OtlpDecodeError) || !/at byte \d+/.test(e.message)) wrong.push(`${i}: ${String(e)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('corrupted bytes either decode or throw OtlpDecodeError (deterministic fuzz)', () => {
    const pb = encodeTracesProtobuf(TRACE_FIXTURE);
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let thrown = 0;
    for (let i = 0; i < 500; i++) {
      const copy = Buffer.from(pb);
      for (let k = 0; k < 3; k++) copy[Math.floor(rnd() * copy.length)] = Math.floor(rnd() * 256);
      try {
        decodeTracesProtobuf(copy);
      } catch (e) {
        if (!(e instanceof OtlpDecodeError)) throw e;
        thrown++;
      }
    }
    expect(thrown).toBeGreaterThan(0);
  });

  test('AnyValue nesting beyond the limit rejects that span only, not a stack overflow', () => {
    let v: object = { stringValue: 'x' };
    for (let i = 0; i < 40; i++) v = { arrayValue: { values: [v] } };
    const doc = oneSpan({ ...base, attributes: [{ key: 'deep', value: v }] });
    const other = { ...base, spanId: '00000000000000ab', name: 'next' };
    const event = { ...base, spanId: '00000000000000ac', name: 'ev', events: [{ name: 'e', timeUnixNano: '1', attributes: [{ key: 'deep', value: v }] }] };
    doc.resourceSpans[0].scopeSpans[0].spans.push(other, event);
    const b = decodeTracesProtobuf(encodeTracesProtobuf(doc));
    expect(b.spans.map((s) => s.spanId)).toEqual(['00000000000000ab']);
    expect(b.rejected).toBe(2);
    expect(b.errors[0]).toMatch(/^span "kong" at byte \d+: Span\.attributes: "deep": AnyValue at byte \d+ nests deeper than 32$/);
    expect(b.errors[1]).toMatch(/^span "ev" at byte \d+: Span\.Event\.attributes: "deep": AnyValue at byte \d+ nests deeper than 32$/);
    // exactly 32 levels is fine
    let ok: object = { stringValue: 'x' };
    for (let i = 0; i < 32; i++) ok = { arrayValue: { values: [ok] } };
    expect(decodeTracesProtobuf(encodeTracesProtobuf(oneSpan({ ...base, attributes: [{ key: 'ok', value: ok }] }))).rejected).toBe(0);
  });

  test('a too-deep resource attribute rejects its items even when the resource follows its scopes on the wire', () => {
    let v: object = { stringValue: 'x' };
    for (let i = 0; i < 40; i++) v = { arrayValue: { values: [v] } };
    const resource = Buffer.from(encodeTracesProtobuf(oneSpan(base, [{ key: 'deep', value: v }])));
    // split ResourceSpans {resource, scope_spans} and write it back with the scope first
    const w = Writer.create();
    const inner = decodeFields(resource.subarray(lenPrefix(resource)));
    tag(w, 1, 2).fork();
    w.uint32(inner[1].tag).bytes(inner[1].bytes);
    w.uint32(inner[0].tag).bytes(inner[0].bytes);
    w.ldelim();
    const good = encodeTracesProtobuf(oneSpan({ ...base, spanId: '00000000000000ab' }));
    const b = decodeTracesProtobuf(Buffer.concat([Buffer.from(w.finish()), good]));
    expect(b.spans.map((s) => s.spanId)).toEqual(['00000000000000ab']);
    expect(b.resources).toHaveLength(1);
    expect(b.rejected).toBe(1);
    expect(b.errors).toEqual([expect.stringMatching(/^ResourceSpans\.resource at byte \d+: Resource\.attributes: "deep": AnyValue at byte \d+ nests deeper than 32 \(1 spans rejected\)$/)]);
  });

  test('an empty body is an empty batch', () => {
    expect(decodeTracesProtobuf(new Uint8Array(0))).toEqual({ resources: [], spans: [], rejected: 0, errors: [] });
  });
});

describe('decodeLogsProtobuf', () => {
  test('the Kong logs fixture decodes exactly as its JSON form does', () => {
    const b = decodeLogsProtobuf(encodeLogsProtobuf(LOGS_FIXTURE));
    expect(b).toEqual(decodeLogsJson(LOGS_FIXTURE));
    expect(b.records).toHaveLength(5);
    expect(b.records[0]).toMatchObject({ severityNumber: 13, severityText: 'WARN', timeNs: 1751364927804552880n });
    expect(b.records[0].traceId).toBeUndefined();
  });

  test('time falls back to observed time; zero ids are absent; a bad span id rejects only that record', () => {
    const doc = {
      resourceLogs: [{
        scopeLogs: [{
          logRecords: [
            { observedTimeUnixNano: '1751364930000000001', body: { stringValue: 'a' }, traceId: '00000000000000000000000000000000', spanId: '0000000000000000' },
            { timeUnixNano: '5', body: { stringValue: 'b' }, traceId: TID, spanId: 'abcdef' },
            { timeUnixNano: '6', observedTimeUnixNano: '7', severityNumber: 17, severityText: 'ERR', body: { kvlistValue: { values: [{ key: 'k', value: { intValue: '1' } }] } }, traceId: TID, spanId: SID },
          ],
        }],
      }],
    };
    const b = decodeLogsProtobuf(encodeLogsProtobuf(doc));
    expect(b.records).toEqual([
      { timeNs: 1751364930000000001n, severityNumber: 0, body: 'a', attributes: {}, resource: 0 },
      { timeNs: 6n, severityNumber: 17, severityText: 'ERR', body: { k: 1 }, attributes: {}, traceId: TID, spanId: SID, resource: 0 },
    ]);
    expect(b.rejected).toBe(1);
    expect(b.errors[0]).toMatch(/^log record at byte \d+: span_id must be 0 or 8 bytes, got 3$/);
    expect(b.resources).toEqual([{ attributes: {} }]);
  });
});
