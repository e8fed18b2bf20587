import type { CreateSessionRequest, EntityInfo, ExpressionError, SamplingRule } from '../../common/api';
import { validateExpression } from '../rules';
import { DEFAULT_MAX_TRACES, MAX_DURATION_S, MAX_MAX_TRACES, MIN_DURATION_S } from '../sessions/validate';
import type { IncomingAlert } from './payload';

/** The annotations an alert rule sets to say what to capture (see README "Alerts start sessions"). */
export const RULE_ANNOTATION = 'kong_debugger_rule';
export const DURATION_ANNOTATION = 'kong_debugger_duration';
export const MAX_TRACES_ANNOTATION = 'kong_debugger_max_traces';

export interface AlertSessionDefaults {
  /** seconds, within the session limits (default 300) */
  durationSeconds: number;
  /** default DEFAULT_MAX_TRACES */
  maxTraces: number;
}

export const DEFAULT_ALERT_DURATION_S = 300;
export const DEFAULT_ALERT_SESSION: AlertSessionDefaults = {
  durationSeconds: DEFAULT_ALERT_DURATION_S,
  maxTraces: DEFAULT_MAX_TRACES,
};

/** Kong's routes and services by name (Kong's Admin API, and names seen in traffic) */
export interface KnownEntities {
  routes: EntityInfo[];
  services: EntityInfo[];
}

/**
 * What an alert asks for. `session`: the request to start. `invalid`: the alert rule's annotations are wrong
 * (a bad expression, duration or cap): the whole webhook is refused with 400 so Grafana shows the error on the
 * contact point. `refused`: this alert cannot say what to capture (no annotation, labels naming nothing Kong knows).
 */
export type AlertRequest =
  | { kind: 'session'; request: CreateSessionRequest }
  | { kind: 'invalid'; message: string; errors?: ExpressionError[] }
  | { kind: 'refused'; reason: string };

/** `5m`, `90s`, `1m30s`, `300` (seconds): the annotation is written by people and by Prometheus-minded rule files */
export function parseDurationSeconds(raw: string): number | undefined {
  const s = raw.trim();
  if (/^\d{1,7}$/.test(s)) return Number(s);
  const m = /^(?:(\d{1,4})h)?(?:(\d{1,5})m)?(?:(\d{1,7})s)?$/.exec(s);
  if (!m || s === '') return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

const quoted = (s: string) => JSON.stringify(s);

/**
 * ids of the entities a Prometheus label names: Kong labels routes `name or id`, services `name or host`.
 * Unlike common/entity-ref (the CLI's and the app's `--route checkout`), nobody is there to be asked: a name two
 * gateways use captures on both (the metric does not say which), and a name Kong does not know is refused
 * instead of being kept as an id that would match nothing.
 */
function resolve(list: EntityInfo[], label: string): string[] {
  return [...new Set(list.filter((e) => e.name === label || e.id === label).map((e) => e.id))];
}

function ruleFromLabels(labels: Record<string, string>, known: KnownEntities): SamplingRule | { refused: string } {
  const route = labels.route?.trim();
  const service = labels.service?.trim();
  const code = labels.code?.trim();
  if (!route && !service) {
    return {
      refused: `nothing says what to capture: add the annotation "${RULE_ANNOTATION}" (a rule in Kong's expressions language) to the alert rule, or keep the labels "route" and/or "service" of Kong's Prometheus metrics in the alert (e.g. sum by (service, route, code))`,
    };
  }
  // The route is the narrower one: a route belongs to one service.
  const field = route ? 'proxy.kong.route.id' : 'proxy.kong.service.id';
  const ids = route ? resolve(known.routes, route) : resolve(known.services, service!);
  if (ids.length === 0) {
    const what = route ? `route "${route}"` : `service "${service}"`;
    const unnamed = route ? '' : ' (Kong labels a service without a name by its host: give the service a name)';
    return {
      refused: `Kong has no ${what}${unnamed}: names are read from Kong's Admin API (--kong-admin-url) and from traffic; or add the annotation "${RULE_ANNOTATION}"`,
    };
  }
  if (code === undefined || code === '')
    return route ? { type: 'basic', routeIds: ids } : { type: 'basic', serviceIds: ids };
  if (!/^[1-5]\d\d$/.test(code))
    return { refused: `label "code" must be an HTTP status (Kong's Prometheus plugin); got ${quoted(code)}` };
  const any = ids.map((id) => `${field} == ${quoted(id)}`).join(' || ');
  return { type: 'advanced', expression: `(${any}) && http.response.status_code == ${code}` };
}

/** The session an alert asks for, from its annotations, else from the Kong labels of its metric. */
export function sessionRequestFor(
  alert: IncomingAlert,
  known: KnownEntities,
  defaults: AlertSessionDefaults = DEFAULT_ALERT_SESSION
): AlertRequest {
  const ann = alert.annotations;
  let durationSeconds = defaults.durationSeconds;
  if (ann[DURATION_ANNOTATION] !== undefined) {
    const d = parseDurationSeconds(ann[DURATION_ANNOTATION]);
    if (d === undefined || d < MIN_DURATION_S || d > MAX_DURATION_S) {
      return {
        kind: 'invalid',
        message: `annotation ${DURATION_ANNOTATION} must be a duration from ${MIN_DURATION_S}s to ${MAX_DURATION_S / 60}m (e.g. "5m", "90s" or seconds); got ${quoted(ann[DURATION_ANNOTATION])}`,
      };
    }
    durationSeconds = d;
  }
  let maxTraces = defaults.maxTraces;
  if (ann[MAX_TRACES_ANNOTATION] !== undefined) {
    const raw = ann[MAX_TRACES_ANNOTATION].trim();
    const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= 1 && n <= MAX_MAX_TRACES))
      return {
        kind: 'invalid',
        message: `annotation ${MAX_TRACES_ANNOTATION} must be a whole number from 1 to ${MAX_MAX_TRACES}; got ${quoted(ann[MAX_TRACES_ANNOTATION])}`,
      };
    maxTraces = n;
  }
  let rule: SamplingRule;
  const expression = ann[RULE_ANNOTATION];
  if (expression !== undefined && expression.trim() !== '') {
    const v = validateExpression(expression);
    if (!v.valid) {
      const e = v.errors[0];
      return {
        kind: 'invalid',
        message: `annotation ${RULE_ANNOTATION} is not a valid rule: ${e.message} (characters ${e.start}-${e.end})`,
        errors: v.errors,
      };
    }
    rule = { type: 'advanced', expression };
  } else {
    const r = ruleFromLabels(alert.labels, known);
    if ('refused' in r) return { kind: 'refused', reason: r.refused };
    rule = r;
  }
  const alertname = alert.labels.alertname ?? 'alert';
  const scope = ['service', 'route', 'code']
    .filter((k) => alert.labels[k])
    .map((k) => `${k}=${alert.labels[k]}`)
    .join(' ');
  const name = `Alert ${alertname}${scope ? ` (${scope})` : ''}`.slice(0, 200);
  return { kind: 'session', request: { name, rule, durationSeconds, maxTraces, captureLogs: false } };
}
