/**
 * Kong's OTel log records (kong-otel.md §5.2) for a request: severity as Kong maps nginx
 * levels (note the non-standard texts ERR and NOTICE), `introspection.*`, `request.id`, the
 * span that was active (none in the log phase), and worker-level records without any context.
 */
import type { RequestModel, Severity } from './model';
import type { RenderedRequest } from './spans';
import { Rng } from './rng';

export const SEVERITY_NUMBER: Record<Severity, number> = { DEBUG: 5, INFO: 9, NOTICE: 11, WARN: 13, ERR: 17 };

export interface PlannedLog {
  /** ns offset from the request start (may be negative for worker records) */
  time: number;
  severityText?: Severity;
  severityNumber?: number;
  body?: string;
  attributes: Record<string, string | number>;
  /** request-scoped records carry the trace; worker records carry nothing */
  traceId?: string;
  spanId?: string;
}

export function planRequestLogs(m: RequestModel, r: RenderedRequest): PlannedLog[] {
  return m.logs.map((l) => {
    const spanId = l.run ? r.spanOfRun.get(l.run) : undefined;
    if (l.run && !spanId) throw new Error(`log record points at plugin ${l.run.plugin.name} (${l.run.phase}) which has no span`);
    return {
      time: l.time,
      ...(l.severity ? { severityText: l.severity, severityNumber: SEVERITY_NUMBER[l.severity] } : {}),
      ...(l.body !== undefined ? { body: l.body } : {}),
      attributes: {
        ...(l.extra ?? {}),
        'request.id': m.requestId,
        'introspection.current.line': l.introspection.line,
        'introspection.namewhat': l.introspection.namewhat,
        ...(l.introspection.name ? { 'introspection.name': l.introspection.name } : {}),
        'introspection.source': l.introspection.source,
        'introspection.what': l.introspection.what,
      },
      traceId: r.traceId,
      ...(spanId ? { spanId } : {}),
    };
  });
}

/** An occasional worker-scoped record (timers): it rides along with the next request's export. */
export function planWorkerLog(rng: Rng): PlannedLog {
  const queueFailure = rng.chance(0.5);
  return {
    time: -rng.int(200, 2500) * 1_000_000,
    severityText: queueFailure ? 'WARN' : 'NOTICE',
    severityNumber: queueFailure ? SEVERITY_NUMBER.WARN : SEVERITY_NUMBER.NOTICE,
    body: queueFailure
      ? '[http-log plugin 5b0e6a8c-3d2f-4e1a-b7c6-9f8e7d6c5b4a] queue http://logs.internal:9200/ingest:POST:application/json:10000:60000:nil: handler could not process entries: failed request to logs.internal:9200: connection refused'
      : '[clustering] received updated configuration from control plane, hash: ' + rng.hex(16),
    attributes: queueFailure
      ? { 'introspection.current.line': 280, 'introspection.name': 'log_warn', 'introspection.namewhat': 'method', 'introspection.source': '@/usr/local/share/lua/5.1/kong/tools/queue.lua', 'introspection.what': 'Lua' }
      : { 'introspection.current.line': 92, 'introspection.name': 'update_config', 'introspection.namewhat': 'method', 'introspection.source': '@/usr/local/share/lua/5.1/kong/clustering/data_plane.lua', 'introspection.what': 'Lua' },
  };
}
