import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { Session } from '../../../common/api';
import { describeRule } from '../../../common/rules/describe';
import { internalLink, linkRange, type DsRef } from './links';

function isoToMs(iso: string | undefined): number | null {
  if (!iso) {
    return null;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** who started it (Grafana user or token name); an empty string shows as absent */
function createdBy(s: Session): string | undefined {
  return s.createdBy || undefined;
}

/** Debug sessions as a table, newest first (as the API returns them); the id links to the session's traces. */
export function buildSessionsFrame(
  sessions: Session[],
  opts: { ds: DsRef; refId?: string; entityNames?: ReadonlyMap<string, string> }
): DataFrame {
  const names = opts.entityNames;
  const nameOf = names ? (kind: 'route' | 'service', id: string) => names.get(`${kind}:${id}`) : undefined;
  // the sessions' whole lifetimes: a traces query keeps to its range, so a relative one would lose old sessions
  const range = linkRange(sessions.flatMap((s) => [isoToMs(s.startedAt ?? s.createdAt), isoToMs(s.endedAt ?? s.endsAt)]).filter((t): t is number => t !== null));
  const tracesLink = internalLink(opts.ds, 'Traces of this session', { queryType: 'traces', sessionId: '${__value.raw}' }, { range });
  return createDataFrame({
    name: 'sessions',
    refId: opts.refId,
    meta: { preferredVisualisationType: 'table' },
    fields: [
      { name: 'id', type: FieldType.string, values: sessions.map((s) => s.id), config: { links: [tracesLink] } },
      { name: 'name', type: FieldType.string, values: sessions.map((s) => s.name) },
      { name: 'status', type: FieldType.string, values: sessions.map((s) => s.status) },
      { name: 'ruleType', type: FieldType.string, values: sessions.map((s) => s.rule.type) },
      { name: 'rule', type: FieldType.string, values: sessions.map((s) => describeRule(s.rule, nameOf)) },
      { name: 'traceCount', type: FieldType.number, values: sessions.map((s) => s.traceCount) },
      { name: 'maxTraces', type: FieldType.number, values: sessions.map((s) => s.maxTraces) },
      { name: 'logCount', type: FieldType.number, values: sessions.map((s) => s.logCount) },
      { name: 'captureLogs', type: FieldType.boolean, values: sessions.map((s) => s.captureLogs) },
      { name: 'duration', type: FieldType.number, values: sessions.map((s) => s.durationSeconds), config: { unit: 's' } },
      { name: 'createdAt', type: FieldType.time, values: sessions.map((s) => isoToMs(s.createdAt)) },
      { name: 'startedAt', type: FieldType.time, values: sessions.map((s) => isoToMs(s.startedAt)) },
      { name: 'endsAt', type: FieldType.time, values: sessions.map((s) => isoToMs(s.endsAt)) },
      { name: 'endedAt', type: FieldType.time, values: sessions.map((s) => isoToMs(s.endedAt)) },
      // The Grafana user who started it (X-Grafana-User), when the server recorded one.
      { name: 'createdBy', type: FieldType.string, values: sessions.map((s) => createdBy(s) ?? null) },
      { name: 'tracingMode', type: FieldType.string, values: sessions.map((s) => s.tracing?.mode ?? null) },
    ],
  });
}
