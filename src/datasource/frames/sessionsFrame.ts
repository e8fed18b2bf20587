import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { Session } from '../../../common/api';
import { describeRule } from '../../../common/rules/describe';
import { internalLink, type DsRef } from './links';

function isoToMs(iso: string | undefined): number | null {
  if (!iso) {
    return null;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** `createdBy` is added to the API's Session by the Grafana-user change; read it without depending on that. */
function createdBy(s: Session): string | undefined {
  const v = (s as Session & { createdBy?: unknown }).createdBy;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Debug sessions as a table, newest first (as the API returns them); the id links to the session's traces. */
export function buildSessionsFrame(
  sessions: Session[],
  opts: { ds: DsRef; refId?: string; entityNames?: ReadonlyMap<string, string> }
): DataFrame {
  const names = opts.entityNames;
  const nameOf = names ? (kind: 'route' | 'service', id: string) => names.get(`${kind}:${id}`) : undefined;
  const tracesLink = internalLink(opts.ds, 'Traces of this session', { queryType: 'traces', sessionId: '${__value.raw}' });
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
