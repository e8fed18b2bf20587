import type { Session, TraceListItem, ValidateExpressionResponse } from '../../common/api';
import { describeRule } from '../../common/rules/describe';

/** Plain-text tables for the CLI: aligned columns, no colours (output may be piped). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function timeLeft(s: Session, nowMs: number): string {
  if (s.status !== 'in_progress' || !s.endsAt) return '-';
  const left = Math.max(0, Math.round((Date.parse(s.endsAt) - nowMs) / 1000));
  return `${Math.floor(left / 60)}m${String(left % 60).padStart(2, '0')}s`;
}

/** who started it: the alert that fired, else the Grafana user or token name */
function startedBy(s: Session): string {
  if (s.alert) return `alert ${s.alert.name || s.alert.fingerprint}`;
  return s.createdBy ?? '-';
}

export function formatSessions(sessions: Session[], nowMs = Date.now()): string {
  if (sessions.length === 0) return 'no sessions';
  return table(
    ['ID', 'NAME', 'STATUS', 'TRACES', 'LOGS', 'LEFT', 'BY', 'RULE'],
    sessions.map((s) => [s.id, s.name, s.status, `${s.traceCount}/${s.maxTraces}`, s.captureLogs ? String(s.logCount) : '-', timeLeft(s, nowMs), startedBy(s), describeRule(s.rule)]),
  );
}

/** a trace list; a search's (`sessions`) also shows Kong's request id and the sessions holding each trace */
export function formatTraces(traces: Array<TraceListItem & { sessionIds?: string[] }>, opts: { sessions?: boolean; partial?: boolean } = {}): string {
  const more = opts.partial ? '\n(the search stopped at its scan bound: older traces may match; continue with --cursor from the --json answer)' : '';
  if (traces.length === 0) return `no traces${more}`;
  return (
    table(
      ['TRACE ID', 'START', 'STATUS', 'DURATION', 'METHOD', 'PATH', ...(opts.sessions ? ['REQUEST ID', 'SESSIONS'] : [])],
      traces.map((t) => [
        t.traceId,
        new Date(t.startTimeMs).toISOString(),
        t.statusCode === undefined ? '-' : `${t.statusCode}${t.error ? ' !' : ''}`,
        `${(t.durationNs / 1e6).toFixed(1)} ms`,
        t.method ?? '-',
        t.path ?? '-',
        ...(opts.sessions ? [t.requestId ?? '-', t.sessionIds?.join(',') || '-'] : []),
      ]),
    ) + more
  );
}

export function formatValidation(expr: string, r: ValidateExpressionResponse): string {
  if (r.valid) return 'valid';
  return r.errors
    .map((e) => `${expr}\n${' '.repeat(e.start)}${'^'.repeat(Math.max(1, e.end - e.start))}\n${e.message} (at ${e.start})`)
    .join('\n\n');
}
