import { createDataFrame, FieldType, type AnnotationQuery, type AnnotationSupport, type DataFrame } from '@grafana/data';
import type { SamplingRule, Session } from '../../common/api';
import type { KongDebuggerQuery } from './types';

export interface SessionEventsOptions {
  refId?: string;
  /** the dashboard's range (ms): sessions outside it are left out */
  fromMs?: number;
  toMs?: number;
  /** a running session's region ends now (its planned end may be later, or it may stop earlier) */
  nowMs: number;
}

function ruleText(rule: SamplingRule): string {
  if (rule.type === 'advanced') {
    return rule.expression;
  }
  const parts = [...(rule.routeIds ?? []).map((id) => `route ${id}`), ...(rule.serviceIds ?? []).map((id) => `service ${id}`)];
  return parts.join(', ') || 'no route or service';
}

/** When the session captured: from its start (creation while pending) to its end, or now while it runs. */
export function sessionSpan(s: Session, nowMs: number): { start: number; end: number } {
  const start = Date.parse(s.startedAt ?? s.createdAt);
  const ended = s.endedAt ? Date.parse(s.endedAt) : undefined;
  const end = ended ?? Math.min(nowMs, s.endsAt ? Date.parse(s.endsAt) : nowMs);
  return { start, end: Math.max(start, end) };
}

/**
 * Debug sessions as annotation regions (start → stop), in the frame shape Grafana's standard annotation processing
 * reads by field name: `time`, `timeEnd`, `title`, `text`, `tags`.
 */
export function buildSessionEventsFrame(sessions: Session[], opts: SessionEventsOptions): DataFrame {
  const rows = sessions
    .map((s) => ({ s, ...sessionSpan(s, opts.nowMs) }))
    .filter(({ start, end }) => Number.isFinite(start) && (opts.toMs === undefined || start <= opts.toMs) && (opts.fromMs === undefined || end >= opts.fromMs))
    .sort((a, b) => a.start - b.start);
  return createDataFrame({
    name: 'session events',
    refId: opts.refId,
    fields: [
      { name: 'time', type: FieldType.time, values: rows.map((r) => r.start) },
      { name: 'timeEnd', type: FieldType.time, values: rows.map((r) => r.end) },
      { name: 'title', type: FieldType.string, values: rows.map((r) => `Kong debug session ${r.s.name}`) },
      {
        name: 'text',
        type: FieldType.string,
        values: rows.map(({ s }) =>
          [
            `${s.status.replace('_', ' ')}: ${s.traceCount}/${s.maxTraces} traces, ${s.logCount} logs`,
            `rule: ${ruleText(s.rule)}`,
            s.createdBy ? `created by ${s.createdBy}` : undefined,
          ]
            .filter(Boolean)
            .join('\n')
        ),
      },
      { name: 'tags', type: FieldType.other, values: rows.map(({ s }) => ['kong-debugger', s.status]) },
    ],
  });
}

/**
 * Annotations the 12.x frontend way: the annotation's `target` is an ordinary query of ours (by default
 * `queryType: 'annotations'`, optionally one `sessionId`) run through query(); Grafana's standard processing turns
 * the frames into events (any of our frames with a time field works, e.g. a span's logs).
 */
export const sessionAnnotations: AnnotationSupport<KongDebuggerQuery> = {
  getDefaultQuery: () => ({ queryType: 'annotations' }),
  // Annotations saved before this support (or by hand) may lack a target: give them the default one.
  prepareAnnotation(json: AnnotationQuery<KongDebuggerQuery>): AnnotationQuery<KongDebuggerQuery> {
    if (!json.target) {
      return { ...json, target: { refId: 'Anno', queryType: 'annotations' } };
    }
    return json;
  },
};
