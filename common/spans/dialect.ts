import type { Span } from '../api';
import { isEnterpriseSpanName } from './names';

/**
 * 'enterprise' when any Enterprise-debugger span exists (`kong.phase.*`, `kong.read_*`, upstream
 * I/O spans, ...) or any span carries `proxy.kong.latency*` attributes (legacy
 * `proxy.kong.latency_total_ms` included); otherwise the OSS opentelemetry plugin's dialect.
 */
export function detectDialect(spans: Span[]): 'enterprise' | 'oss' {
  for (const s of spans) {
    if (isEnterpriseSpanName(s.name)) return 'enterprise';
    if (s.attributes) {
      for (const key in s.attributes) if (key.startsWith('proxy.kong.latency')) return 'enterprise';
    }
  }
  return 'oss';
}
