import type { Span } from '../api';
import type { TraceContext } from '../lifecycle/context';
import { isEnterpriseSpanName } from './names';

/**
 * 'enterprise' when any Enterprise-debugger span exists (`kong.phase.*`, `kong.read_*`, upstream
 * I/O spans, ...) or any span carries `proxy.kong.latency*` attributes (legacy
 * `proxy.kong.latency_total_ms` included); otherwise the OSS opentelemetry plugin's dialect.
 */
export function detectDialect(spans: Span[]): 'enterprise' | 'oss' {
  for (const s of spans) {
    if (isEnterpriseSpanName(s.name)) return 'enterprise';
    if (hasLatencyAttribute(s)) return 'enterprise';
  }
  return 'oss';
}

/** detectDialect over a trace's context: each distinct canonical name once (names repeat within a trace). */
export function contextDialect(ctx: TraceContext): 'enterprise' | 'oss' {
  // a span id twice (two traces' spans): the context names it once, so read every span's own name
  if (ctx.byId.size !== ctx.spans.length) return detectDialect(ctx.spans);
  for (const name of ctx.byName.keys()) if (isEnterpriseSpanName(name)) return 'enterprise';
  for (const s of ctx.spans) if (hasLatencyAttribute(s)) return 'enterprise';
  return 'oss';
}

function hasLatencyAttribute(s: Span): boolean {
  if (s.attributes) {
    for (const key in s.attributes) if (key.startsWith('proxy.kong.latency')) return true;
  }
  return false;
}
