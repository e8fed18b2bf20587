import type { SamplingRule } from '../api';

/** A one-line description of a sampling rule, for tables and the CLI. */
export function describeRule(rule: SamplingRule): string {
  if (rule.type === 'advanced') {
    return rule.expression;
  }
  const parts: string[] = [];
  if (rule.routeIds?.length) {
    parts.push(`routes: ${rule.routeIds.join(', ')}`);
  }
  if (rule.serviceIds?.length) {
    parts.push(`services: ${rule.serviceIds.join(', ')}`);
  }
  return parts.length ? parts.join('; ') : 'all traffic';
}
