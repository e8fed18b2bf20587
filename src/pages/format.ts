/** Small pure helpers the session pages share. */
import type { Session, SessionStatus } from '../../common/api';

/** The rule as one line (shared with the data source's sessions table and the CLI). */
export { describeRule as ruleText } from '../../common/rules/describe';

export const STATUS_LABEL: Record<SessionStatus, string> = {
  pending: 'Pending',
  in_progress: 'In progress',
  completed: 'Completed',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
};

export const STATUS_COLOR: Record<SessionStatus, 'blue' | 'green' | 'orange' | 'purple' | 'red'> = {
  pending: 'blue',
  in_progress: 'green',
  completed: 'purple',
  timed_out: 'orange',
  cancelled: 'red',
};

export function isActive(s: Session): boolean {
  return s.status === 'pending' || s.status === 'in_progress';
}

/** "4m 05s" left while running, "—" otherwise. */
export function timeLeft(s: Session, nowMs: number): string {
  if (!isActive(s)) {
    return '—';
  }
  if (!s.endsAt) {
    return `${formatSeconds(s.durationSeconds)} (not started)`;
  }
  const left = Math.max(0, Math.round((Date.parse(s.endsAt) - nowMs) / 1000));
  return formatSeconds(left);
}

export function formatSeconds(total: number): string {
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m > 0 ? `${m}m ${String(s).padStart(2, '0')}s` : `${s}s`;
}
