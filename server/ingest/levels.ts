import type { LogLevel } from '../../common/api';

// Kong's texts (nginx levels) first: it sends ERR and NOTICE, which OTel does not name.
const BY_TEXT: Record<string, LogLevel> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  NOTICE: 'notice',
  WARN: 'warn',
  WARNING: 'warn',
  ERR: 'error',
  ERROR: 'error',
  CRIT: 'crit',
  CRITICAL: 'crit',
  ALERT: 'alert',
  EMERG: 'emerg',
  FATAL: 'emerg',
};

/**
 * One level per record, from the severity text when it names one, else from the number on Kong's
 * mapping (DEBUG 5, INFO 9, NOTICE 11, WARN 13, ERR 17, CRIT 19, ALERT 21, EMERG 23), which sits inside
 * OTel's ranges. Records without either (kong.telemetry.log) are 'unknown'.
 */
export function normaliseLevel(severityNumber: number, severityText?: string): LogLevel {
  if (severityText) {
    const t = BY_TEXT[severityText.trim().toUpperCase()];
    if (t) return t;
  }
  const n = severityNumber;
  if (!Number.isFinite(n) || n <= 0) return 'unknown';
  if (n <= 8) return 'debug';
  if (n <= 10) return 'info';
  if (n <= 12) return 'notice';
  if (n <= 16) return 'warn';
  if (n <= 18) return 'error';
  if (n <= 20) return 'crit';
  if (n <= 22) return 'alert';
  return 'emerg';
}
