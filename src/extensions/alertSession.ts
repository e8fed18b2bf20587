/**
 * Which session an alert instance started: the pure half of the alert door's landing page (src/pages/scenes/
 * AlertPage.tsx). The link carries the rule's uid and the instance's public labels (alertInstance.ts); sessions
 * keep their alert's labels as the notification sent them (common/api.ts SessionAlert).
 */
import type { Session } from '../../common/api';
import { isInternalLabel, prefillFrom } from './alertInstance';

export interface AlertLink {
  /** the Grafana rule's uid */
  rule?: string;
  /** the instance's public labels */
  labels: Record<string, string>;
  /** the New session to fall back to; undefined when the alert names nothing of Kong's */
  prefill?: { routes?: string[]; services?: string[]; rule?: string };
}

/** The alert page's query string, read back; a malformed `labels` is an error naming it (nothing guessed). */
export function readAlertLink(search: string | URLSearchParams): { link: AlertLink; error?: string } {
  const q = typeof search === 'string' ? new URLSearchParams(search) : search;
  const rule = q.get('rule')?.trim() || undefined;
  const prefill = prefillFrom({ route: q.get('route') ?? undefined, service: q.get('service') ?? undefined, code: q.get('code') ?? undefined });
  const raw = q.get('labels');
  const labels: Record<string, string> = {};
  let error: string | undefined;
  if (raw) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      error = 'The link\'s "labels" is not a JSON object of label names to string values.';
    } else {
      Object.assign(labels, parsed);
    }
  }
  return { link: { ...(rule ? { rule } : {}), labels, ...(prefill ? { prefill } : {}) }, ...(error ? { error } : {}) };
}

/**
 * An alert's labels agree with an instance's when every label both have (Grafana-internal `__…__` ones aside) has
 * the same value: the instance's labels and the notification's may each carry a few the other lacks.
 */
export function labelsAgree(alertLabels: Record<string, string>, instanceLabels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(instanceLabels)) {
    if (!isInternalLabel(k) && Object.prototype.hasOwnProperty.call(alertLabels, k) && alertLabels[k] !== v) {
      return false;
    }
  }
  return true;
}

const ACTIVE = new Set<Session['status']>(['pending', 'in_progress']);

/**
 * The session this alert instance started, among `sessions`: its alert's labels agree with the instance's, and
 * it came from the same rule (the rule's uid; without one, e.g. a data source-managed rule, the same `alertname`,
 * since agreeing on no label at all would match any alert). A running one first, then the newest.
 */
export function pickAlertSession(sessions: Session[], link: AlertLink): Session | undefined {
  const matching = sessions.filter((s) => {
    const a = s.alert;
    if (!a) {
      return false;
    }
    const sameRule = link.rule ? a.ruleUid === link.rule : !!link.labels.alertname && a.labels.alertname === link.labels.alertname;
    return sameRule && labelsAgree(a.labels, link.labels);
  });
  const time = (s: Session) => Date.parse(s.createdAt) || 0;
  matching.sort((a, b) => Number(ACTIVE.has(b.status)) - Number(ACTIVE.has(a.status)) || time(b) - time(a));
  return matching[0];
}
