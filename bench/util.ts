/*
 * Shared helpers of the benchmark suite: timing, percentiles, result rows, and Kong-shaped OTLP
 * payloads built from the shared fixture (fresh ids for every trace, so nothing is deduplicated).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeTracesProtobuf } from '../server/otlp/testing';

export const FIXTURE = path.resolve(__dirname, '..', '..', 'shared', 'fixtures', 'kong-trace.otlp.json');

export type Status = 'met' | 'missed' | 'n/a' | '';

/** One line of the table (and of the JSON). `ratio` is value / baseline unless a section says otherwise. */
export interface Result {
  section: string;
  metric: string;
  value: number | null;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  ratio?: number;
  ratioLabel?: string;
  target?: string;
  status?: Status;
  note?: string;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** p in [0,1] of already collected samples (nearest rank). */
export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1));
  return s[i];
}

export function median(samples: number[]): number {
  return percentile(samples, 0.5);
}

export function tmpDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kong-debugger-bench-${label}-`));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Keeps the optimiser from discarding work whose result is otherwise unused. */
export let sink: unknown;
export function consume(v: unknown): void {
  sink = v;
}

let fixtureCache: any;
function fixture(): any {
  fixtureCache ??= JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));
  return fixtureCache;
}

export const SPANS_PER_TRACE = 20;
export const MATCH_PATH = '/bench-match';

/**
 * One Kong-shaped trace (the fixture's first 20 spans) in OTLP/JSON, with fresh trace and span ids,
 * shifted to `startMs`. When `match` is set the request path starts with MATCH_PATH, which the
 * benchmark session's rule selects.
 */
export function kongTraceSpans(startMs: number, match: boolean): any[] {
  const rs = fixture().resourceSpans[0];
  const spans: any[] = rs.scopeSpans[0].spans.slice(0, SPANS_PER_TRACE);
  const traceId = hex(16);
  const ids = new Map<string, string>();
  for (const s of spans) ids.set(s.spanId, hex(8));
  const t0 = BigInt(spans[0].startTimeUnixNano);
  const base = BigInt(Math.round(startMs)) * 1_000_000n;
  return spans.map((s) => {
    const attributes = (s.attributes ?? []).map((a: any) => {
      if (match && s.parentSpanId === '' && a.key === 'http.url') {
        return { key: a.key, value: { stringValue: `https://api.example.com${MATCH_PATH}/42?expand=items` } };
      }
      return a;
    });
    return {
      ...s,
      traceId,
      spanId: ids.get(s.spanId),
      parentSpanId: s.parentSpanId ? ids.get(s.parentSpanId) ?? '' : '',
      startTimeUnixNano: (base + BigInt(s.startTimeUnixNano) - t0).toString(),
      endTimeUnixNano: (base + BigInt(s.endTimeUnixNano) - t0).toString(),
      attributes,
    };
  });
}

/** An ExportTraceServiceRequest (OTLP/JSON) under the fixture's resource and scope. */
export function tracesDoc(spans: any[]): any {
  const rs = fixture().resourceSpans[0];
  return { resourceSpans: [{ resource: rs.resource, scopeSpans: [{ scope: rs.scopeSpans[0].scope, spans }] }] };
}

/**
 * `requests` protobuf bodies of `tracesPerRequest` traces each (200 spans per request by default);
 * `matchEvery` = k makes every k-th trace match (0 = none).
 */
export function kongPayloads(requests: number, matchEvery: number, tracesPerRequest = 10): Buffer[] {
  const out: Buffer[] = [];
  let n = 0;
  const start = Date.now() - 60_000;
  for (let r = 0; r < requests; r++) {
    const spans: any[] = [];
    for (let t = 0; t < tracesPerRequest; t++, n++) spans.push(...kongTraceSpans(start + n, matchEvery > 0 && n % matchEvery === 0));
    out.push(encodeTracesProtobuf(tracesDoc(spans)));
  }
  return out;
}

export function fmtNum(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(digits)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(digits)}k`;
  if (a >= 100) return v.toFixed(0);
  return v.toPrecision(digits);
}

export function status(ok: boolean): Status {
  return ok ? 'met' : 'missed';
}
