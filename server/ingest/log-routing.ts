import type { Session } from '../../common/api';
import type { DecodedLogRecord } from '../otlp/types';
import { tenantOf } from '../sessions/manager';
import type { Decision, DecisionCache } from './decision-cache';
import { traceKey, type TraceKey } from './trace-key';

/** what log routing needs of the sessions */
export interface LogCaptureView {
  readonly activeLogCapture: boolean;
  runningSessions(): Session[];
}

/** where a record goes: copies into these sessions (none: dropped), or it waits for its trace's decision */
export type LogRoute = { sessions: readonly string[] } | { wait: TraceKey };

export interface LogRoutingStats {
  logsDropped: number;
}

const NONE: readonly string[] = [];

/**
 * Which sessions a log record belongs to: a record of a request follows its trace's decision (and waits
 * while the trace is undecided, as logs often arrive first); a worker-level record (timers, queues: no
 * trace id) goes to every running session of the tenant that captures logs, as Konnect collects logs
 * for the whole session. Counts what it drops.
 */
export class LogRouter {
  readonly stats: LogRoutingStats = { logsDropped: 0 };

  constructor(
    private readonly sessions: LogCaptureView,
    private readonly decisions: DecisionCache,
  ) {}

  /**
   * Nothing captures logs, nothing waits, and no kept trace could take late logs: the batch is dropped
   * untouched (true), counted here.
   */
  skipBatch(records: number, waitingLogs: number): boolean {
    if (this.sessions.activeLogCapture || waitingLogs > 0 || this.decisions.anyKept) return false;
    this.stats.logsDropped += records;
    return true;
  }

  route(rec: DecodedLogRecord, tenant: string): LogRoute {
    if (!rec.traceId) {
      const targets = this.sessions
        .runningSessions()
        .filter((s) => s.captureLogs && tenantOf(s) === tenant)
        .map((s) => s.id);
      if (targets.length === 0) this.stats.logsDropped++;
      return { sessions: targets };
    }
    const key = traceKey(tenant, rec.traceId);
    const d = this.decisions.keptDecision(key);
    if (d) return { sessions: this.ofDecision(d, 1) };
    if (!this.sessions.activeLogCapture || this.decisions.isDropped(tenant, rec.traceId)) {
      this.stats.logsDropped++;
      return { sessions: NONE };
    }
    return { wait: key };
  }

  /** the sessions `n` records of a decided trace go to (those that waited for the decision, or late ones) */
  ofDecision(d: Decision, n: number): readonly string[] {
    if (d.logSessions.length === 0) this.stats.logsDropped += n;
    return d.logSessions;
  }
}
