/*
 * Plugin frame builders (imported directly, run in node with a jsdom window): the trace frame of a
 * 10,000-span trace and the logs frame of 10,000 lines, against building a plain array of the same
 * row objects (same sorting, same per-row values) — i.e. what the DataFrame machinery adds.
 */
import './dom';
import type { AttributeValue, LogRecord, Span, TraceDetail } from '../common/api';
import { toApiSpan } from '../server/ingest/api-shapes';
import { decodeTracesProtobuf } from '../server/otlp/decode-protobuf';
import { encodeTracesProtobuf } from '../server/otlp/testing';
import { consume, hex, kongTraceSpans, median, nowMs, percentile, status, tracesDoc, type Result } from './util';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildTraceFrame, compareNs } = require('../src/datasource/frames/traceFrame') as typeof import('../src/datasource/frames/traceFrame');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildLogsFrame } = require('../src/datasource/frames/logsFrame') as typeof import('../src/datasource/frames/logsFrame');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { displayValue, nsToMs, nanosWithinMs } = require('../src/datasource/frames/links') as typeof import('../src/datasource/frames/links');

const DS = { uid: 'bench', name: 'Kong Debugger' };

/** One trace of `n` spans: the Kong fixture's 20 spans repeated with fresh span ids (same trace id). */
function bigTrace(n: number): TraceDetail {
  const traceId = hex(16);
  const spans: Span[] = [];
  let resource: Record<string, AttributeValue> = {};
  for (let i = 0; spans.length < n; i++) {
    const batch = decodeTracesProtobuf(encodeTracesProtobuf(tracesDoc(kongTraceSpans(Date.now() + i, false))));
    resource = batch.resources[0].attributes as Record<string, AttributeValue>;
    for (const d of batch.spans) if (spans.length < n) spans.push({ ...toApiSpan(d), traceId });
  }
  // Kong sends spans in end order, not start order: shuffle so the builder's sort does real work.
  for (let i = spans.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [spans[i], spans[j]] = [spans[j], spans[i]];
  }
  return { traceId, resource, scope: { name: 'kong-internal', version: '0.1.0' }, spans };
}

function manyLogs(n: number): LogRecord[] {
  const levels = ['debug', 'info', 'notice', 'warn', 'error'] as const;
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const out: LogRecord[] = [];
  for (let i = 0; i < n; i++) {
    const ns = (t0 + BigInt(Math.floor(Math.random() * 1e12))).toString();
    out.push({
      id: String(i + 1),
      sessionId: 's',
      timeUnixNano: ns,
      timeMs: Number(BigInt(ns) / 1000n) / 1000,
      level: levels[i % levels.length],
      severityNumber: 9,
      severityText: 'INFO',
      body: `[kong] handler.lua:${i % 300}: request ${i} finished with status 200 in 12 ms`,
      attributes: { 'introspection.current.line': 12, 'introspection.source': '@kong/runloop/handler.lua', 'kong.request.id': hex(8) },
      traceId: hex(16),
      spanId: hex(8),
      spanName: 'kong.access.plugin.key-auth',
    });
  }
  return out;
}

const KIND_NAMES: Record<number, string> = { 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };

function kv(attrs: Record<string, AttributeValue>) {
  return Object.keys(attrs)
    .sort()
    .map((key) => ({ key, value: displayValue(attrs[key]) }));
}

function plainTraceRows(trace: TraceDetail): object[] {
  const spans = [...trace.spans].sort((a, b) => compareNs(a.startTimeUnixNano, b.startTimeUnixNano));
  const serviceTags = kv(trace.resource);
  return spans.map((s) => {
    const tags = kv(s.attributes);
    if (s.statusCode === 2 && !tags.some((t) => t.key === 'error')) tags.push({ key: 'error', value: true });
    return {
      traceID: s.traceId,
      spanID: s.spanId,
      parentSpanID: s.parentSpanId || undefined,
      operationName: s.name,
      serviceName: 'kong',
      serviceTags,
      startTime: nsToMs(s.startTimeUnixNano, s.startTimeMs),
      duration: Math.max(0, s.durationNs) / 1e6,
      logs: s.events.map((e) => ({ name: e.name, timestamp: nsToMs(e.timeUnixNano, e.timeMs), fields: kv(e.attributes) })),
      tags,
      kind: KIND_NAMES[s.kind],
      statusCode: s.statusCode,
      statusMessage: s.statusMessage ?? '',
      instrumentationLibraryName: trace.scope?.name ?? '',
      instrumentationLibraryVersion: trace.scope?.version ?? '',
    };
  });
}

function plainLogRows(records: LogRecord[]): object[] {
  const rows = [...records].sort((a, b) => compareNs(b.timeUnixNano, a.timeUnixNano));
  return rows.map((r) => {
    const labels: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(r.attributes)) labels[k] = displayValue(v);
    if (r.severityText) labels['severity_text'] = r.severityText;
    return {
      timestamp: r.timeMs,
      nanos: nanosWithinMs(r.timeUnixNano),
      body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? ''),
      severity: r.level,
      id: r.id,
      labels,
      traceID: r.traceId ?? '',
      spanID: r.spanId ?? '',
      spanName: r.spanName ?? '',
    };
  });
}

/** Times `a` and `b` alternately, so both see the same heap and GC pressure. */
function paired(n: number, a: () => unknown, b: () => unknown): [number[], number[]] {
  for (let i = 0; i < 3; i++) consume([a(), b()]);
  const out: [number[], number[]] = [[], []];
  for (let i = 0; i < n; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const t0 = nowMs();
      consume(fn());
      out[k].push(nowMs() - t0);
    }
  }
  return out;
}

export function benchFrames(reps: number): Result[] {
  const trace = bigTrace(10_000);
  const logs = manyLogs(10_000);
  const [tf, tb] = paired(reps, () => buildTraceFrame(trace, { ds: DS, sessionId: 's' }), () => plainTraceRows(trace));
  const [lf, lb] = paired(reps, () => buildLogsFrame(logs, { ds: DS, sessionId: 's' }), () => plainLogRows(logs));
  const t50 = median(tf);
  const l50 = median(lf);
  return [
    {
      section: 'plugin',
      metric: 'trace frame, 10,000 spans, p50',
      value: t50,
      unit: 'ms',
      baseline: { name: 'plain row array', value: median(tb), unit: 'ms' },
      ratio: t50 / median(tb),
      target: '<50 ms',
      status: status(t50 < 50),
    },
    { section: 'plugin', metric: 'trace frame, 10,000 spans, max', value: percentile(tf, 1), unit: 'ms', note: `${reps} builds` },
    {
      section: 'plugin',
      metric: 'logs frame, 10,000 lines, p50',
      value: l50,
      unit: 'ms',
      baseline: { name: 'plain row array', value: median(lb), unit: 'ms' },
      ratio: l50 / median(lb),
    },
  ];
}
