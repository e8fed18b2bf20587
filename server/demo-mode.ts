import type { CreateSessionRequest } from '../common/api';
import { startDemoGateway } from './demo';
import type { SessionManager } from './sessions/manager';

/**
 * `serve --demo`: the demo gateway feeds this server, and two sessions are opened so there is something
 * to look at straight away (unless sessions are already running, e.g. after a restart).
 */
export const DEMO_SESSIONS: CreateSessionRequest[] = [
  { name: 'Demo: every request', rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 1800, maxTraces: 5000, captureLogs: true },
  { name: 'Demo: server errors', rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 1800, maxTraces: 1000, captureLogs: true },
];

export async function startDemo(opts: { otlpUrl: string; sessions: SessionManager; ratePerSecond?: number; headers?: Record<string, string> }): Promise<{ stop(): Promise<void> }> {
  if (opts.sessions.runningSessions().length === 0) {
    for (const s of DEMO_SESSIONS) await opts.sessions.create(s);
  }
  const gateway = startDemoGateway({ otlpUrl: opts.otlpUrl, ratePerSecond: opts.ratePerSecond ?? 5, headers: opts.headers });
  return { stop: () => gateway.stop() };
}
