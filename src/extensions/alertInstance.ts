import { ROUTES, type AlertLinkParams } from '../pages/constants';

/**
 * Context of `grafana/alerting/instance/action` (Grafana's AlertInstanceExtensionPoint passes `{ instance, rule }`,
 * rule a CombinedRule). The labels there are the instance's *public* labels: Grafana's Prometheus-style rules API
 * drops the internal `__alert_rule_uid__` / `__alert_rule_namespace_uid__` (WithoutInternalLabels), which the
 * Alertmanager fingerprint covers, so the webhook's `fingerprint` cannot be recomputed here; the rule's uid can be read.
 */
export interface AlertInstanceContext {
  rule?: {
    name?: string;
    uid?: string;
    labels?: Record<string, string>;
    /** Grafana-managed rules: the ruler's definition carries the uid */
    rulerRule?: { grafana_alert?: { uid?: string } };
    /** Grafana's Prometheus-style rule (recent versions give Grafana-managed rules their uid there too) */
    promRule?: { uid?: string };
  };
  instance?: { labels?: Record<string, string>; state?: string; activeAt?: string };
}

// Kong's Prometheus plugin labels (`route` = route name or id, `service` = service name or host, `code`), then
// Kong's OpenTelemetry metrics (3.13+: `kong.route.name`, `kong.service.name`) as Prometheus names them.
const ROUTE_LABELS = ['route', 'kong_route_name', 'kong.route.name', 'kong_route_id'];
const SERVICE_LABELS = ['service', 'kong_service_name', 'kong.service.name', 'kong_service_id'];
const CODE_LABELS = ['code', 'http_response_status_code', 'http.response.status_code', 'status_code'];

/** Grafana's uids: letters, digits, `-` and `_`, at most 40 characters (anything else is not a rule we can look up). */
const UID = /^[A-Za-z0-9_-]{1,40}$/;

function label(labels: Record<string, string> | undefined, keys: string[]): string | undefined {
  for (const key of keys) {
    const v = labels?.[key]?.trim();
    if (v) {
      return v;
    }
  }
  return undefined;
}

/** Grafana-internal labels (`__alert_rule_uid__`, `__name__`, ...): never part of what a notification carries. */
export function isInternalLabel(key: string): boolean {
  return key.startsWith('__') && key.endsWith('__');
}

/** The labels a notification carries for this instance: its own (rule labels included), minus internal ones. */
export function publicLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!isInternalLabel(k) && typeof v === 'string') {
      out[k] = v;
    }
  }
  return out;
}

/** The alert's rule uid (Grafana-managed rules only; data source-managed rules have none). */
export function alertRuleUid(ctx: AlertInstanceContext | undefined): string | undefined {
  const r = ctx?.rule;
  const uid = [r?.uid, r?.rulerRule?.grafana_alert?.uid, r?.promRule?.uid].find((u) => typeof u === 'string' && UID.test(u));
  return uid;
}

/** Kong's route, service and status code named by the alert's labels (instance labels first, then the rule's). */
export function kongLabels(ctx: AlertInstanceContext | undefined): { route?: string; service?: string; code?: string } {
  // Instance labels carry the series' own labels; rule labels are the ones the rule author added.
  const labels = { ...ctx?.rule?.labels, ...ctx?.instance?.labels };
  const route = label(labels, ROUTE_LABELS);
  const service = label(labels, SERVICE_LABELS);
  const code = label(labels, CODE_LABELS);
  return { ...(route ? { route } : {}), ...(service ? { service } : {}), ...(code ? { code } : {}) };
}

/** What a New session should capture for Kong's route/service/code; undefined when none of them is usable. */
export function prefillFrom(k: { route?: string; service?: string; code?: string }): { routes?: string[]; services?: string[]; rule?: string } | undefined {
  const route = k.route?.trim();
  const service = k.service?.trim();
  const code = k.code?.trim();
  // Only a real HTTP status becomes a rule; Kong's `code` label is the exact status the client got.
  const status = code && /^[1-5]\d\d$/.test(code) ? Number(code) : undefined;
  if (!route && !service && status === undefined) {
    return undefined;
  }
  return {
    ...(route ? { routes: [route] } : {}),
    ...(service ? { services: [service] } : {}),
    ...(status !== undefined ? { rule: `http.response.status_code == ${status}` } : {}),
  };
}

/** What a New session should capture for this alert, from its labels; undefined when nothing in them is Kong's. */
export function alertPrefill(ctx: AlertInstanceContext | undefined) {
  return prefillFrom(kongLabels(ctx));
}

/**
 * "Debug in Kong Debugger" on an alert instance. configure() is synchronous and cannot ask the server which session
 * the alert started, so the link opens the app's alert page with what identifies the alert (its rule's uid and
 * public labels) and the New session pre-fill; that page finds the session or falls back to the form. Hidden on
 * alerts with neither a rule uid (whose sessions could be looked up) nor Kong labels (every rule's instances show
 * plugin links).
 */
export function alertInstanceLink(ctx: AlertInstanceContext | undefined): { path: string } | undefined {
  const rule = alertRuleUid(ctx);
  const kong = kongLabels(ctx);
  const prefill = prefillFrom(kong);
  if (!rule && !prefill) {
    return undefined;
  }
  const labels = publicLabels(ctx?.instance?.labels);
  // Notifications always carry `alertname`; an instance without it in its labels still has its rule's name.
  if (!labels.alertname && ctx?.rule?.name) {
    labels.alertname = ctx.rule.name;
  }
  const params: AlertLinkParams = { rule, labels, ...(prefill ? kong : {}) };
  return { path: ROUTES.alert(params) };
}
