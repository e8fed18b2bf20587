import type { KongDebuggerOptions, TracesToLogsOptions } from '../types';

/**
 * Tags as typed in the settings ("service.name=service_name, http.route") ↔ Grafana's `tags: [{ key, value }]`
 * (span attribute → log label; no value means the same name).
 */
export function parseTags(text: string): TracesToLogsOptions['tags'] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const i = part.indexOf('=');
      if (i < 0) {
        return { key: part };
      }
      const key = part.slice(0, i).trim();
      const value = part.slice(i + 1).trim();
      return value ? { key, value } : { key };
    })
    .filter((t) => t.key);
}

export function formatTags(tags: TracesToLogsOptions['tags']): string {
  return (tags ?? []).map((t) => (t.value && t.value !== t.key ? `${t.key}=${t.value}` : t.key)).join(', ');
}

/** Grafana's time shifts: an optional sign and durations such as 1m, 30s, 1h30m. */
export function isTimeShift(v: string): boolean {
  return v === '' || /^-?(\d+(ms|s|m|h|d|w))+$/.test(v.trim());
}

/**
 * jsonData with the trace-to-logs settings changed. With no data source left the whole block goes: Grafana's trace
 * view then falls back to our own "Logs for this span" link.
 */
export function withTracesToLogs(jsonData: KongDebuggerOptions, patch: Partial<TracesToLogsOptions>): KongDebuggerOptions {
  const next: TracesToLogsOptions = { ...jsonData.tracesToLogsV2, ...patch };
  if (!next.datasourceUid) {
    const { tracesToLogsV2: _dropped, ...rest } = jsonData;
    return rest;
  }
  return { ...jsonData, tracesToLogsV2: next };
}
