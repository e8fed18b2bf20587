import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import type { KongDebuggerQuery } from './types';

/** Every string field of the query model; each may contain `$var` / `${var}` references. */
export const STRING_FIELDS = ['sessionId', 'traceId', 'requestId', 'spanId', 'status', 'method', 'path', 'routeId', 'serviceId', 'compareTo'] as const;

/**
 * Resolves template variables in every string field, and in each `levels` entry (a multi-value `$level` becomes
 * several levels). Values are trimmed: a blank result means "no filter", never a filter on "".
 */
export function interpolateQuery(query: KongDebuggerQuery, scopedVars: ScopedVars, templateSrv: TemplateSrv): KongDebuggerQuery {
  const out: KongDebuggerQuery = { ...query };
  for (const key of STRING_FIELDS) {
    const value = query[key];
    if (typeof value === 'string') {
      const replaced = templateSrv.replace(value, scopedVars).trim();
      out[key] = replaced === '' ? undefined : replaced;
    }
  }
  if (query.levels) {
    out.levels = query.levels
      .flatMap((level) => templateSrv.replace(level, scopedVars, 'csv').split(','))
      .map((level) => level.trim())
      .filter((level) => level !== '');
  }
  return out;
}
