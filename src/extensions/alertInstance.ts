import { newSessionPath } from './paths';

/**
 * Context of `grafana/alerting/instance/action` (Grafana's AlertInstanceExtensionPoint builds it): the rule, flattened,
 * and the instance with its labels. The labels there are the instance's *public* labels: Grafana's Prometheus-style
 * rules API drops the internal `__alert_rule_uid__` / `__alert_rule_namespace_uid__` (WithoutInternalLabels), which
 * the Alertmanager fingerprint covers, so the webhook's `fingerprint` cannot be recomputed here.
 */
export interface AlertInstanceContext {
  rule?: { name?: string; uid?: string; labels?: Record<string, string> };
  instance?: { labels?: Record<string, string>; state?: string; activeAt?: string };
}

// Kong's Prometheus plugin labels (`route` = route name or id, `service` = service name or host, `code`), then
// Kong's OpenTelemetry metrics (3.13+: `kong.route.name`, `kong.service.name`) as Prometheus names them.
const ROUTE_LABELS = ['route', 'kong_route_name', 'kong.route.name', 'kong_route_id'];
const SERVICE_LABELS = ['service', 'kong_service_name', 'kong.service.name', 'kong_service_id'];
const CODE_LABELS = ['code', 'http_response_status_code', 'http.response.status_code', 'status_code'];

function label(labels: Record<string, string> | undefined, keys: string[]): string | undefined {
  for (const key of keys) {
    const v = labels?.[key]?.trim();
    if (v) {
      return v;
    }
  }
  return undefined;
}

/** What a New session should capture for this alert, from its labels; undefined when nothing in them is Kong's. */
export function alertPrefill(ctx: AlertInstanceContext | undefined): { routes?: string[]; services?: string[]; rule?: string } | undefined {
  // Instance labels carry the series' own labels; rule labels are the ones the rule author added.
  const labels = { ...ctx?.rule?.labels, ...ctx?.instance?.labels };
  const route = label(labels, ROUTE_LABELS);
  const service = label(labels, SERVICE_LABELS);
  const code = label(labels, CODE_LABELS);
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

/**
 * "Debug in Kong Debugger" on an alert instance: a New session pre-filled from the alert's Kong labels (route,
 * service, status code). Hidden on alerts that carry none of them (every rule's instances show plugin links).
 */
export function alertInstanceLink(ctx: AlertInstanceContext | undefined): { path: string } | undefined {
  const prefill = alertPrefill(ctx);
  return prefill ? { path: newSessionPath(prefill) } : undefined;
}
