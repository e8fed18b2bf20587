import { SpanKind, SpanStatusCode, ROOT_CONTEXT } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { decodeProtobufTraces, kongTraceSerializer, OSS_NUMBERS, retypeAttributes } from './kong-serializer';

/* eslint-disable @typescript-eslint/no-explicit-any */
function spansOf(attributes: Record<string, number | string>, error = false) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'kong' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const span = provider.getTracer('kong-internal', '0.1.0').startSpan('kong.balancer', { kind: SpanKind.CLIENT, attributes }, ROOT_CONTEXT);
  span.addEvent('exception', { 'exception.message': 'boom', line: 3 });
  if (error) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
  return exporter.getFinishedSpans();
}

const json = (spans: any, style = OSS_NUMBERS) => JSON.parse(new TextDecoder().decode(kongTraceSerializer('json', style).serializeRequest(spans))).resourceSpans[0].scopeSpans[0].spans[0];

describe('kong serializer', () => {
  it('keeps http.status_code as intValue and turns every other number into doubleValue (OSS)', () => {
    const span = json(spansOf({ 'http.status_code': 502, try_count: 1, 'net.peer.port': 8080, ratio: 0.5, 'net.peer.ip': '10.0.0.1' }));
    const a = Object.fromEntries(span.attributes.map((x: any) => [x.key, x.value]));
    expect(a).toEqual({
      'http.status_code': { intValue: 502 },
      try_count: { doubleValue: 1 },
      'net.peer.port': { doubleValue: 8080 },
      ratio: { doubleValue: 0.5 },
      'net.peer.ip': { stringValue: '10.0.0.1' },
    });
    expect(span.events[0].attributes).toEqual([
      { key: 'exception.message', value: { stringValue: 'boom' } },
      { key: 'line', value: { doubleValue: 3 } },
    ]);
  });

  it("leaves the SDK's integer typing for the Enterprise dialect", () => {
    const span = json(spansOf({ try_count: 1 }), { kind: 'sdk' });
    expect(span.attributes).toEqual([{ key: 'try_count', value: { intValue: 1 } }]);
  });

  it('drops an UNSET status and span flags, keeps ERROR without a message', () => {
    expect(json(spansOf({})).status).toBeUndefined();
    expect(json(spansOf({})).flags).toBeUndefined();
    expect(json(spansOf({}, true)).status).toEqual({ code: 2 });
  });

  it('encodes the same retyping in protobuf', () => {
    const bytes = kongTraceSerializer('protobuf', OSS_NUMBERS).serializeRequest(spansOf({ 'http.status_code': 200, 'net.peer.port': 8080 }))!;
    const decoded: any = decodeProtobufTraces(bytes);
    const attrs = decoded.resourceSpans[0].scopeSpans[0].spans[0].attributes;
    expect(attrs).toEqual([
      { key: 'http.status_code', value: { intValue: '200' } },
      { key: 'net.peer.port', value: { doubleValue: 8080 } },
    ]);
  });

  it('retypeAttributes tolerates absent lists and non-int values', () => {
    expect(() => retypeAttributes(undefined, OSS_NUMBERS)).not.toThrow();
    const list = [{ key: 'a', value: { doubleValue: 1.5 } }, { key: 'b', value: { intValue: '7' } }];
    retypeAttributes(list, OSS_NUMBERS);
    expect(list).toEqual([{ key: 'a', value: { doubleValue: 1.5 } }, { key: 'b', value: { doubleValue: 7 } }]);
  });
});
