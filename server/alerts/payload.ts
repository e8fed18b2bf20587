/**
 * The two alert webhook payloads, checked and reduced to what starting a session needs.
 *
 * Prometheus Alertmanager's webhook (version "4"): `receiver`, `status`, `alerts[]`, `groupLabels`, `commonLabels`,
 * `commonAnnotations`, `externalURL`, `groupKey`, `truncatedAlerts`; each alert `status`, `labels`, `annotations`,
 * `startsAt`, `endsAt`, `generatorURL`, `fingerprint`. Grafana's webhook contact point sends the same template data
 * extended (grafana/alerting receivers/webhook/v1: version "1", plus `orgId`, `title`, `state`, `message`; each alert
 * also `silenceURL`, `dashboardURL`, `panelURL`, `values`, `valueString`, `imageURL`, `orgId`).
 * Fields we do not use are not checked beyond their type where we read them: a newer Grafana adding one is fine.
 */

export type AlertSource = 'grafana' | 'alertmanager';

/** One alert of a payload, as the intake needs it. */
export interface IncomingAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
  startsAt?: string;
  generatorURL?: string;
  dashboardURL?: string;
  panelURL?: string;
}

export interface AlertPayload {
  source: AlertSource;
  alerts: IncomingAlert[];
}

/** A payload that is not what Grafana or Alertmanager send: a 400 whose message names the field. */
export class AlertPayloadError extends Error {}

/** Alerts in one notification: Grafana and Alertmanager send one group, far below this (Grafana's maxAlerts trims it further). */
export const MAX_ALERTS = 1000;
/** a fingerprint is a 16-hex-digit label hash in both; leave room, not megabytes (it is a stored, indexed key) */
const MAX_FINGERPRINT = 128;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown, where: string): Record<string, string> {
  // Alertmanager omits nothing, but a template may leave a map null; treat it as empty.
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new AlertPayloadError(`${where} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    // JSON.parse keeps "__proto__" as a plain key; assigning it would change the map's prototype instead
    if (k === '__proto__') throw new AlertPayloadError(`${where} may not hold the key "__proto__"`);
    if (typeof x !== 'string') throw new AlertPayloadError(`${where}.${k} must be a string; got ${JSON.stringify(x)}`);
    out[k] = x;
  }
  return out;
}

function optString(o: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new AlertPayloadError(`${where}.${key} must be a string`);
  return v;
}

function parseAlert(v: unknown, i: number): IncomingAlert {
  const where = `alerts[${i}]`;
  if (!isObject(v)) throw new AlertPayloadError(`${where} must be an object`);
  if (v.status !== 'firing' && v.status !== 'resolved')
    throw new AlertPayloadError(`${where}.status must be "firing" or "resolved"; got ${JSON.stringify(v.status)}`);
  if (
    typeof v.fingerprint !== 'string' ||
    !/^[\x21-\x7e]+$/.test(v.fingerprint) ||
    v.fingerprint.length > MAX_FINGERPRINT
  ) {
    throw new AlertPayloadError(
      `${where}.fingerprint must be a non-empty string of at most ${MAX_FINGERPRINT} printable characters (Grafana and Alertmanager send a label hash)`
    );
  }
  const a: IncomingAlert = {
    status: v.status,
    labels: stringMap(v.labels, `${where}.labels`),
    annotations: stringMap(v.annotations, `${where}.annotations`),
    fingerprint: v.fingerprint,
  };
  for (const k of ['startsAt', 'generatorURL', 'dashboardURL', 'panelURL'] as const) {
    const s = optString(v, k, where);
    if (s !== undefined) a[k] = s;
  }
  if (a.startsAt !== undefined && !Number.isFinite(Date.parse(a.startsAt)))
    throw new AlertPayloadError(`${where}.startsAt must be an RFC 3339 time; got ${JSON.stringify(a.startsAt)}`);
  return a;
}

function parseCommon(body: unknown, source: AlertSource, version: string): AlertPayload {
  const hint =
    source === 'grafana'
      ? " (Grafana's webhook contact point with its default payload: no custom payload template)"
      : " (Alertmanager's webhook_config)";
  if (!isObject(body)) throw new AlertPayloadError(`body must be a JSON object${hint}`);
  if (body.version !== undefined && body.version !== version) {
    throw new AlertPayloadError(
      `version must be "${version}" for ${source === 'grafana' ? "Grafana's webhook payload" : "Alertmanager's webhook payload"}; got ${JSON.stringify(body.version)}`
    );
  }
  if (!Array.isArray(body.alerts)) throw new AlertPayloadError(`alerts must be an array${hint}`);
  if (body.alerts.length > MAX_ALERTS)
    throw new AlertPayloadError(`alerts holds ${body.alerts.length} alerts; at most ${MAX_ALERTS} per notification`);
  if (body.status !== undefined && body.status !== 'firing' && body.status !== 'resolved') {
    throw new AlertPayloadError(`status must be "firing" or "resolved"; got ${JSON.stringify(body.status)}`);
  }
  return { source, alerts: body.alerts.map(parseAlert) };
}

/** Grafana's webhook contact point payload (version "1"). */
export function parseGrafanaPayload(body: unknown): AlertPayload {
  const p = parseCommon(body, 'grafana', '1');
  const b = body as Record<string, unknown>;
  if (b.orgId !== undefined && (typeof b.orgId !== 'number' || !Number.isInteger(b.orgId)))
    throw new AlertPayloadError('orgId must be a whole number');
  return p;
}

/** Prometheus Alertmanager's webhook payload (version "4"). */
export function parseAlertmanagerPayload(body: unknown): AlertPayload {
  return parseCommon(body, 'alertmanager', '4');
}
