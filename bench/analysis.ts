/*
 * The per-trace analysis ingest pays for every kept trace (toTraceRow: analyzeTrace + digestTrace: the
 * trace-list row and the lifecycle digest), against decoding the same traces from OTLP protobuf (the
 * ingest section's baseline), on its Kong-shaped traces. Issue 17: the analysis cost more than decoding.
 */
import type { Span } from '../common/api';
import { analyzeTrace, digestTrace } from '../common/lifecycle';
import { toApiSpan } from '../server/ingest/api-shapes';
import { decodeTracesProtobuf } from '../server/otlp/decode-protobuf';
import { consume, kongPayloads, nowMs, SPANS_PER_TRACE, type Result } from './util';

interface Timing {
  /** µs a trace, wall clock, best pass */
  wall: number;
  /** µs a trace, the process's CPU time, best pass */
  cpu: number;
}

/** Best of `passes` (the machine is shared: the best pass is the least disturbed one). */
function measure(passes: number, traces: number, fn: () => void): Timing {
  let wall = Infinity;
  let cpu = Infinity;
  for (let p = 0; p < passes; p++) {
    const c0 = process.cpuUsage();
    const t0 = nowMs();
    fn();
    wall = Math.min(wall, ((nowMs() - t0) * 1000) / traces);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / traces);
  }
  return { wall, cpu };
}

export function benchAnalysis(passes: number): Result[] {
  const payloads = kongPayloads(100, 1); // 1,000 traces of SPANS_PER_TRACE spans
  const decode = () => {
    const traces = new Map<string, Span[]>();
    for (const p of payloads) {
      for (const d of decodeTracesProtobuf(p).spans) {
        const s = toApiSpan(d);
        const list = traces.get(s.traceId);
        if (list) list.push(s);
        else traces.set(s.traceId, [s]);
      }
    }
    return traces;
  };
  const traces = [...decode()];
  const n = traces.length;
  // the ingest section's baseline: decoding alone
  const decoding = measure(passes, n, () => {
    for (const p of payloads) consume(decodeTracesProtobuf(p));
  });
  const analysis = measure(passes, n, () => {
    for (const [traceId, spans] of traces) consume(digestTrace(analyzeTrace(traceId, spans).summary));
  });
  return [
    {
      section: 'analysis',
      metric: `trace analysis (analyzeTrace + digestTrace) per ${SPANS_PER_TRACE}-span trace`,
      value: analysis.wall,
      unit: 'µs',
      baseline: { name: 'decoding the same trace (OTLP protobuf)', value: decoding.wall, unit: 'µs' },
      ratio: analysis.wall / decoding.wall,
      note: `best of ${passes} passes over ${n} traces; CPU time ${analysis.cpu.toFixed(1)} vs ${decoding.cpu.toFixed(1)} µs a trace (${(analysis.cpu / decoding.cpu).toFixed(2)}×)`,
    },
  ];
}
