import type { SamplingRule, Session } from '../../common/api';
import type { Expr } from '../rules/ast';
import { parse } from '../rules/parser';
import { changeKey, type KongEntity, type ScopeKind } from './kong-store';

/** The route and service ids a rule can match at most; `all` when it is not limited to some. */
export type RuleReach = { routes: string[]; services: string[] } | 'all';

const ROUTE_FIELD = 'proxy.kong.route.id';
const SERVICE_FIELD = 'proxy.kong.service.id';

/**
 * The narrowest scope that still holds everything the rule can match. A basic rule names its routes and
 * services. An advanced rule is read structurally: `proxy.kong.route.id == "x"` (or service) limits it; `A && B`
 * is limited by whichever side is; `A || B` only when both sides are; `!A` and everything else is `all`.
 */
export function ruleReach(rule: SamplingRule): RuleReach {
  if (rule.type === 'basic') return { routes: [...new Set(rule.routeIds ?? [])], services: [...new Set(rule.serviceIds ?? [])] };
  const parsed = parse(rule.expression);
  if (!parsed.ok) return 'all';
  const r = reachOf(parsed.ast);
  return r === 'all' ? 'all' : { routes: [...new Set(r.routes)], services: [...new Set(r.services)] };
}

function reachOf(e: Expr): RuleReach {
  switch (e.kind) {
    case 'predicate':
      if (e.op === '==' && e.lhs.transforms.length === 0 && e.rhs.type === 'String') {
        if (e.lhs.field === ROUTE_FIELD) return { routes: [e.rhs.value], services: [] };
        if (e.lhs.field === SERVICE_FIELD) return { routes: [], services: [e.rhs.value] };
      }
      return 'all';
    case 'and': {
      const l = reachOf(e.left);
      return l !== 'all' ? l : reachOf(e.right);
    }
    case 'or': {
      const l = reachOf(e.left);
      const r = reachOf(e.right);
      return l === 'all' || r === 'all' ? 'all' : { routes: [...l.routes, ...r.routes], services: [...l.services, ...r.services] };
    }
    default:
      return 'all';
  }
}

/** One opentelemetry plugin instance the running sessions need on one gateway. */
export interface DesiredScope {
  key: string;
  gateway: string;
  scope: ScopeKind;
  scopeId: string;
  /** route: the service it belongs to, when Kong said */
  serviceId?: string;
  sessions: string[];
  /** whether any of them captures logs (logs_endpoint) */
  logs: boolean;
}

/** What one session asked for on each gateway, before anything is tried. */
export interface SessionPlan {
  sessionId: string;
  /** key of each DesiredScope serving it */
  scopes: string[];
  /** ids the rule names that no gateway knows (never seen in Kong's lists) */
  unknown: string[];
  global: boolean;
}

/**
 * The set-up the running sessions need, per gateway: pure, from the sessions and Kong's entity lists.
 * A route or service id is traced on the gateways whose lists hold it; a rule not limited to routes or
 * services gets a global instance on every gateway.
 */
export function planScopes(sessions: Session[], entities: KongEntity[], gateways: string[]): { scopes: Map<string, DesiredScope>; plans: SessionPlan[] } {
  const scopes = new Map<string, DesiredScope>();
  const where = new Map<string, KongEntity[]>();
  for (const e of entities) {
    if (e.kind === 'consumer' || !gateways.includes(e.gateway)) continue;
    const k = `${e.kind}|${e.id}`;
    (where.get(k) ?? where.set(k, []).get(k)!).push(e);
  }
  const add = (gateway: string, scope: ScopeKind, scopeId: string, s: Session, serviceId?: string): string => {
    const key = changeKey(gateway, scope, scopeId);
    let d = scopes.get(key);
    if (!d) scopes.set(key, (d = { key, gateway, scope, scopeId, sessions: [], logs: false, ...(serviceId ? { serviceId } : {}) }));
    if (!d.sessions.includes(s.id)) d.sessions.push(s.id);
    d.logs ||= s.captureLogs;
    return key;
  };
  const plans: SessionPlan[] = [];
  for (const s of sessions) {
    const reach = ruleReach(s.rule);
    const plan: SessionPlan = { sessionId: s.id, scopes: [], unknown: [], global: reach === 'all' };
    if (reach === 'all') {
      for (const g of gateways) plan.scopes.push(add(g, 'global', '', s));
    } else {
      for (const [kind, ids] of [['route', reach.routes], ['service', reach.services]] as const) {
        for (const id of ids) {
          const found = where.get(`${kind}|${id}`) ?? [];
          if (found.length === 0) plan.unknown.push(id);
          for (const e of found) plan.scopes.push(add(e.gateway, kind, id, s, e.serviceId));
        }
      }
    }
    plans.push(plan);
  }
  for (const d of scopes.values()) d.sessions.sort();
  return { scopes, plans };
}
