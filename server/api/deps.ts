import type { AlertIntake } from '../alerts/intake';
import type { SignatureConfig } from '../alerts/signature';
import type { AuditLog } from '../audit/audit';
import type { AuthConfig } from '../auth/hooks';
import type { IngestPipeline } from '../ingest/pipeline';
import type { KongLoop } from '../kong/kong-loop';
import type { LiveHub } from '../live/hub';
import type { OtlpReceiverStats } from '../otlp/receiver';
import type { SessionManager } from '../sessions/manager';
import type { Store } from '../store/types';

/** What the REST API's route modules work on. */
export interface ApiDeps {
  store: Store;
  sessions: SessionManager;
  pipeline: IngestPipeline;
  version: string;
  startedAtMs: number;
  auth: AuthConfig;
  audit: AuditLog;
  /** the OTLP receiver's admission counters (requests refused with 429/503, bytes in flight) */
  receiver?: () => Readonly<OtlpReceiverStats> | undefined;
  /** live streams of running sessions (server/live) */
  live: LiveHub;
  /** Kong in the loop (--kong-admin-url) */
  kong?: KongLoop;
  /** alerts start sessions (server/alerts); absent: the alert routes answer 404 */
  alerts?: AlertIntake;
  /** Grafana's webhook: its HMAC (--grafana-webhook-secret), and the tenant of requests signed but without a token */
  alertWebhook?: { signature?: SignatureConfig; tenant?: string };
}
