import type { AlertOutcome, AlertWebhookResponse, ExpressionError, Session, SessionAlert } from '../../common/api';
import type { AuditLog } from '../audit/audit';
import type { Principal } from '../auth/roles';
import { actorName } from '../auth/grafana-user';
import { audited } from '../api/audited';
import type { SessionManager } from '../sessions/manager';
import { InvalidSessionError } from '../sessions/validate';
import { AlertSessionRunningError, alertKey } from '../store/errors';
import type { AlertPayload, IncomingAlert } from './payload';
import {
  DEFAULT_ALERT_SESSION,
  RULE_ANNOTATION,
  sessionRequestFor,
  type AlertSessionDefaults,
  type KnownEntities,
} from './session-request';

export interface AlertIntakeOptions {
  /** alert-started sessions running at once, server-wide (each makes Kong trace and export more): default 5 */
  maxSessions?: number;
  /** duration and trace cap when the alert's annotations do not say */
  defaults?: Partial<AlertSessionDefaults>;
}

export const DEFAULT_MAX_ALERT_SESSIONS = 5;

/** The alert rule's annotations are wrong: the webhook is answered 400 and nothing starts. */
export class InvalidAlertError extends Error {
  constructor(
    message: string,
    public readonly errors?: ExpressionError[]
  ) {
    super(message);
  }
}

export interface AlertIntakeDeps {
  sessions: SessionManager;
  audit: AuditLog;
  /** Kong's routes and services a tenant's alert labels may name */
  entities(tenant: string): Promise<KnownEntities>;
}

/** the rule uid in a Grafana alert's generatorURL, `<root>/alerting/grafana/<uid>/view` (Grafana's state manager builds it so) */
export function grafanaRuleUid(generatorURL: string | undefined): string | undefined {
  if (!generatorURL) return undefined;
  let path: string;
  try {
    path = new URL(generatorURL).pathname;
  } catch {
    return undefined;
  }
  const m = /\/alerting\/grafana\/([^/]+)\/view\/?$/.exec(path);
  return m ? decodeURIComponent(m[1]) : undefined;
}

function alertOf(payload: AlertPayload, a: IncomingAlert): SessionAlert {
  const out: SessionAlert = {
    source: payload.source,
    name: a.labels.alertname ?? '',
    fingerprint: a.fingerprint,
    labels: a.labels,
  };
  for (const k of ['startsAt', 'generatorURL', 'dashboardURL', 'panelURL'] as const)
    if (a[k] !== undefined) out[k] = a[k];
  const ruleUid = payload.source === 'grafana' ? grafanaRuleUid(a.generatorURL) : undefined;
  if (ruleUid) out.ruleUid = ruleUid;
  return out;
}

/**
 * Alerts in, sessions out: one running session per alert (tenant + fingerprint), resolved alerts start nothing,
 * and at most `maxSessions` alert sessions run at once. Decisions are taken one payload at a time (so two
 * notifications arriving together cannot both pass the cap or both start one alert); the sessions then start
 * concurrently, since a session's start may wait seconds for Kong's set-up. Across replicas the store's unique
 * index keeps one running session per alert; the cap is counted from the running sessions each replica knows, so
 * replicas racing on the last place may exceed it by one each.
 */
export class AlertIntake {
  private decisions: Promise<unknown> = Promise.resolve();
  /** alert keys whose session is being started, with its start */
  private readonly starting = new Map<string, Promise<Session>>();
  private readonly maxSessions: number;
  private readonly defaults: AlertSessionDefaults;

  constructor(
    private readonly deps: AlertIntakeDeps,
    opts: AlertIntakeOptions = {}
  ) {
    this.maxSessions = opts.maxSessions ?? DEFAULT_MAX_ALERT_SESSIONS;
    this.defaults = { ...DEFAULT_ALERT_SESSION, ...opts.defaults };
  }

  /** alert sessions running or starting: those count against the cap */
  private busyKeys(): Set<string> {
    const keys = new Set(this.starting.keys());
    for (const s of this.deps.sessions.runningSessions())
      if (s.alert) keys.add(alertKey(s.tenant ?? 'default', s.alert.fingerprint));
    return keys;
  }

  /** What happened to each alert, in payload order. Throws InvalidAlertError before starting anything when an alert's annotations are wrong. */
  async receive(payload: AlertPayload, who: Principal): Promise<AlertWebhookResponse> {
    const tenant = who.tenant;
    // Every firing alert's request first, so one bad rule starts nothing at all.
    let known: KnownEntities | undefined;
    const plans: Array<{ alert: IncomingAlert; plan: ReturnType<typeof sessionRequestFor> | undefined }> = [];
    const invalid: string[] = [];
    let errors: ExpressionError[] | undefined;
    for (const alert of payload.alerts) {
      if (alert.status !== 'firing') {
        plans.push({ alert, plan: undefined });
        continue;
      }
      // Kong's names are read only when an alert needs them (no rule annotation).
      const needsNames = !alert.annotations[RULE_ANNOTATION]?.trim();
      if (needsNames && !known) known = await this.deps.entities(tenant);
      const plan = sessionRequestFor(alert, known ?? { routes: [], services: [] }, this.defaults);
      if (plan.kind === 'invalid') {
        invalid.push(`alert ${alert.labels.alertname ?? '?'} (fingerprint ${alert.fingerprint}): ${plan.message}`);
        errors ??= plan.errors;
      }
      plans.push({ alert, plan });
    }
    if (invalid.length) throw new InvalidAlertError(`no session was started: ${invalid.join('; ')}`, errors);

    const results: AlertOutcome[] = new Array(plans.length);
    const starts: Array<Promise<void>> = [];
    const decide = async () => {
      for (let i = 0; i < plans.length; i++) {
        const { alert, plan } = plans[i];
        const base = { fingerprint: alert.fingerprint, alertname: alert.labels.alertname ?? '' };
        if (!plan) {
          results[i] = { ...base, outcome: 'resolved' };
          continue;
        }
        if (plan.kind === 'refused') {
          results[i] = { ...base, outcome: 'refused', reason: plan.reason };
          continue;
        }
        if (plan.kind !== 'session') continue; // invalid ones threw above
        const key = alertKey(tenant, alert.fingerprint);
        const pending = this.starting.get(key);
        if (pending) {
          // the same alert twice in one payload, or in two notifications at once
          starts.push(
            pending.then(
              (s) => void (results[i] = { ...base, outcome: 'already_running', sessionId: s.id }),
              () =>
                void (results[i] = {
                  ...base,
                  outcome: 'refused',
                  reason: 'its session could not be started; see the other answer for this alert',
                })
            )
          );
          continue;
        }
        const running = (await this.deps.sessions.list(tenant, { alert: alert.fingerprint })).find(
          (s) => s.status === 'in_progress'
        );
        if (running) {
          results[i] = { ...base, outcome: 'already_running', sessionId: running.id };
          continue;
        }
        if (this.busyKeys().size >= this.maxSessions) {
          results[i] = {
            ...base,
            outcome: 'refused',
            reason: `${this.maxSessions} alert sessions are running, the server's cap (--alert-max-sessions): nothing started; the alert starts one when it is notified again after one ends`,
          };
          continue;
        }
        const start = this.deps.sessions.create(plan.request, tenant, { alert: alertOf(payload, alert), createdBy: actorName(who) });
        this.starting.set(key, start);
        starts.push(
          start.then(
            async (s) => {
              results[i] = { ...base, outcome: 'started', sessionId: s.id };
              await audited(this.deps.audit, who, 'session.create', s.id, {
                name: s.name,
                rule: s.rule,
                durationSeconds: s.durationSeconds,
                alert: { source: payload.source, alertname: base.alertname, fingerprint: alert.fingerprint },
              });
            },
            async (e: Error) => {
              if (e instanceof AlertSessionRunningError) {
                // another replica started it a moment ago
                const other = (await this.deps.sessions.list(tenant, { alert: alert.fingerprint })).find(
                  (s) => s.status === 'in_progress'
                );
                results[i] = other
                  ? { ...base, outcome: 'already_running', sessionId: other.id }
                  : { ...base, outcome: 'refused', reason: e.message };
              } else if (e instanceof InvalidSessionError)
                results[i] = { ...base, outcome: 'refused', reason: e.message };
              else throw e;
            }
          )
        );
        // Forgotten once started (it is then among the running sessions) or failed.
        void start.then(
          () => this.starting.delete(key),
          () => this.starting.delete(key)
        );
      }
    };
    const turn = this.decisions.then(decide);
    this.decisions = turn.catch(() => undefined);
    await turn;
    await Promise.all(starts);
    return { results };
  }
}
