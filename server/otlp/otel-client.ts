/*
 * Test support: the real OpenTelemetry JS SDK and OTLP exporters as clients of our receiver.
 * The exporters load `http` with a dynamic import(), which jest's CommonJS runtime cannot run,
 * so receiver.test.ts runs this file in a child process (`node --require tsx/cjs`):
 *   otel-client.ts <baseUrl>   → exports the spans/logs below once per exporter, sequentially,
 *                                and prints one JSON line per export: {name, code, error?}
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';

export const TRACE_ID = 'fe42545217a406e81da675f9d52a2532';
export const SPAN_IDS = ['2e5dccf8c54cffd5', '6f747fb087f5a2de', 'c224b69e90e625dc'];
export const LOG_SPAN = 'c7dd1c7927618cea';
export const T0: HrTime = [1751364930, 123000000];
export const T1: HrTime = [1751364930, 130949871];
export const T2: HrTime = [1751364930, 173713402];
export const T3: HrTime = [1751364930, 173713999];
export const ROOT_ATTRIBUTES = {
  'http.method': 'GET',
  'http.status_code': 200,
  'http.latency': 1.25,
  'tls.enabled': true,
  'neg.int': -7,
  'big.int': 2 ** 53 - 1,
  tags: ['a', 'b'],
  ports: [80, 443],
  weights: [0.5, 1.5],
  flags: [true, false],
};
export const RESOURCE = { 'service.name': 'kong', 'service.instance.id': 'node-1', 'service.version': '3.9.1' };
export const LOG_ATTRIBUTES = { 'introspection.current.line': 280.5, 'request.id': 'abc', count: 3, ok: false };
export const LOG_MAP_BODY = { decision: 'allow', nested: { list: [1, 'x', true], n: 2.5 }, raw: new Uint8Array([1, 2, 255]) };

/** spans made by the real SDK with known ids, times, attributes of every type, events, status, kinds */
export function makeSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  let next = 0;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE),
    idGenerator: { generateTraceId: () => TRACE_ID, generateSpanId: () => SPAN_IDS[next++] },
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('kong-internal', '0.1.0');
  const root = tracer.startSpan('kong', { kind: SpanKind.SERVER, startTime: T0, attributes: ROOT_ATTRIBUTES });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  const balancer = tracer.startSpan('kong.balancer', { kind: SpanKind.CLIENT, startTime: T0, attributes: { try_count: 1.5 } }, ctx);
  balancer.addEvent('exception', { 'exception.message': 'connection refused', retry: 2 }, T1);
  balancer.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
  balancer.end(T1);
  const router = tracer.startSpan('kong.router', { startTime: T1 }, ctx);
  router.setStatus({ code: SpanStatusCode.OK });
  router.end(T2);
  root.end(T3);
  return memory.getFinishedSpans();
}

export function makeLogs(): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'kong' }), processors: [new SimpleLogRecordProcessor(memory)] });
  const logger = provider.getLogger('kong-internal', '0.1.0');
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: LOG_SPAN, traceFlags: 1 });
  logger.emit({
    timestamp: T1,
    observedTimestamp: T2,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: 'upstream slow',
    attributes: LOG_ATTRIBUTES,
    context: ctx,
  });
  // no severity; a map body with nested list/map and bytes (the SDK stamps a missing timestamp with its clock)
  logger.emit({ timestamp: T3, observedTimestamp: T2, body: LOG_MAP_BODY });
  return memory.getFinishedLogRecords();
}

interface Exporter<T> {
  export(items: T[], cb: (r: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

async function run<T>(name: string, exporter: Exporter<T>, items: T[]): Promise<void> {
  const result = await new Promise<ExportResult>((resolve) => exporter.export(items, resolve));
  await exporter.shutdown();
  process.stdout.write(JSON.stringify({ name, code: result.code, error: result.error?.message }) + '\n');
}

export const EXPORTS = ['traces/protobuf', 'traces/json', 'traces/protobuf+gzip', 'traces/json+gzip', 'logs/protobuf', 'logs/json'];

async function main(base: string): Promise<void> {
  // required lazily so that importing the constants above (from jest) does not load the exporters
  const { OTLPTraceExporter: ProtoTrace } = require('@opentelemetry/exporter-trace-otlp-proto');
  const { OTLPTraceExporter: JsonTrace } = require('@opentelemetry/exporter-trace-otlp-http');
  const { OTLPLogExporter: ProtoLogs } = require('@opentelemetry/exporter-logs-otlp-proto');
  const { OTLPLogExporter: JsonLogs } = require('@opentelemetry/exporter-logs-otlp-http');
  const traces = `${base}/v1/traces`;
  const logs = `${base}/v1/logs`;
  await run(EXPORTS[0], new ProtoTrace({ url: traces }), makeSpans());
  await run(EXPORTS[1], new JsonTrace({ url: traces }), makeSpans());
  await run(EXPORTS[2], new ProtoTrace({ url: traces, compression: 'gzip' }), makeSpans());
  await run(EXPORTS[3], new JsonTrace({ url: traces, compression: 'gzip' }), makeSpans());
  await run(EXPORTS[4], new ProtoLogs({ url: logs }), makeLogs());
  await run(EXPORTS[5], new JsonLogs({ url: logs }), makeLogs());
}

if (require.main === module) {
  main(process.argv[2]).catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
}
