import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ServerOptions } from '../app';
import { DEFAULT_MAX_ALERT_SESSIONS } from '../alerts/intake';
import { DEFAULT_ALERT_DURATION_S, parseDurationSeconds } from '../alerts/session-request';
import { DEFAULT_REPLAY_WINDOW_S } from '../alerts/signature';
import { TENANT_PATTERN } from '../auth/roles';
import { DEFAULT_MAX_TRACES, MAX_DURATION_S, MAX_MAX_TRACES, MIN_DURATION_S } from '../sessions/validate';
import { intArg } from './options';

function durationArg(v: string): number {
  const d = parseDurationSeconds(v);
  if (d === undefined || d < MIN_DURATION_S || d > MAX_DURATION_S)
    throw new InvalidArgumentError(
      `--alert-duration must be from ${MIN_DURATION_S}s to ${MAX_DURATION_S / 60}m (e.g. 5m)`
    );
  return d;
}

function tenantArg(v: string): string {
  if (!TENANT_PATTERN.test(v))
    throw new InvalidArgumentError('--grafana-webhook-tenant must be a tenant name (lowercase letters, digits, . _ -)');
  return v;
}

/** serve's alert flags (alerts start sessions, server/alerts), each with an environment variable */
export function alertServeOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--grafana-webhook-secret <secret>',
        "HMAC secret of Grafana's webhook contact point: every Grafana alert webhook must then be signed (prefer the env var)"
      ).env('KONG_DEBUGGER_GRAFANA_WEBHOOK_SECRET')
    )
    .addOption(
      new Option(
        '--grafana-webhook-signature-header <name>',
        "the contact point's HMAC header (default: X-Grafana-Alerting-Signature or X-Grafana-Alert-Signature)"
      ).env('KONG_DEBUGGER_GRAFANA_WEBHOOK_SIGNATURE_HEADER')
    )
    .addOption(
      new Option(
        '--grafana-webhook-timestamp-header <name>',
        "the contact point's HMAC timestamp header: then the timestamp is signed and old requests are refused"
      ).env('KONG_DEBUGGER_GRAFANA_WEBHOOK_TIMESTAMP_HEADER')
    )
    .addOption(
      new Option('--grafana-webhook-replay-window <seconds>', 'how far a signed timestamp may be from now')
        .env('KONG_DEBUGGER_GRAFANA_WEBHOOK_REPLAY_WINDOW')
        .default(DEFAULT_REPLAY_WINDOW_S)
        .argParser(intArg('--grafana-webhook-replay-window', 10, 3600))
    )
    .addOption(
      new Option(
        '--grafana-webhook-tenant <tenant>',
        'the tenant of sessions started by a signed Grafana webhook without a token'
      )
        .env('KONG_DEBUGGER_GRAFANA_WEBHOOK_TENANT')
        .default('default')
        .argParser(tenantArg)
    )
    .addOption(
      new Option(
        '--alert-max-sessions <n>',
        'alert-started sessions running at once, server-wide; more alerts are answered "refused"'
      )
        .env('KONG_DEBUGGER_ALERT_MAX_SESSIONS')
        .default(DEFAULT_MAX_ALERT_SESSIONS)
        .argParser(intArg('--alert-max-sessions', 0, 1000))
    )
    .addOption(
      new Option(
        '--alert-duration <duration>',
        'how long an alert session runs when the alert has no kong_debugger_duration annotation'
      )
        .env('KONG_DEBUGGER_ALERT_DURATION')
        .default(DEFAULT_ALERT_DURATION_S)
        .argParser(durationArg)
    )
    .addOption(
      new Option(
        '--alert-max-traces <n>',
        'trace cap of an alert session without a kong_debugger_max_traces annotation'
      )
        .env('KONG_DEBUGGER_ALERT_MAX_TRACES')
        .default(DEFAULT_MAX_TRACES)
        .argParser(intArg('--alert-max-traces', 1, MAX_MAX_TRACES))
    );
}

type Parsed = {
  grafanaWebhookSecret?: string;
  grafanaWebhookSignatureHeader?: string;
  grafanaWebhookTimestampHeader?: string;
  grafanaWebhookReplayWindow: number | string;
  grafanaWebhookTenant: string;
  alertMaxSessions: number | string;
  alertDuration: number | string;
  alertMaxTraces: number | string;
};

/** the parsed flags; commander hands env values over unparsed, so they are checked here again */
export function alertOptionsFrom(o: Parsed): NonNullable<ServerOptions['alerts']> {
  const num = (v: number | string, parse: (s: string) => number) => (typeof v === 'number' ? v : parse(v));
  const secret = o.grafanaWebhookSecret?.trim();
  return {
    maxSessions: num(o.alertMaxSessions, intArg('--alert-max-sessions', 0, 1000)),
    defaults: {
      durationSeconds: num(o.alertDuration, durationArg),
      maxTraces: num(o.alertMaxTraces, intArg('--alert-max-traces', 1, MAX_MAX_TRACES)),
    },
    grafanaTenant: tenantArg(o.grafanaWebhookTenant),
    ...(secret
      ? {
          grafanaSignature: {
            secret,
            header: o.grafanaWebhookSignatureHeader?.trim() || undefined,
            timestampHeader: o.grafanaWebhookTimestampHeader?.trim() || undefined,
            replayWindowSeconds: num(o.grafanaWebhookReplayWindow, intArg('--grafana-webhook-replay-window', 10, 3600)),
          },
        }
      : {}),
  };
}
