import type { SamplingRule } from '../api';

/**
 * A one-line description of a sampling rule, for tables and the CLI. `nameOf` (Kong's names, when known)
 * shows `checkout (id)` instead of the bare id; ids Kong does not know stay as they are.
 */
export function describeRule(rule: SamplingRule, nameOf?: (kind: 'route' | 'service', id: string) => string | undefined): string {
  const show = (kind: 'route' | 'service', id: string) => {
    const name = nameOf?.(kind, id);
    return name ? `${name} (${id})` : id;
  };
  if (rule.type === 'advanced') {
    return rule.expression;
  }
  const parts: string[] = [];
  if (rule.routeIds?.length) {
    parts.push(`routes: ${rule.routeIds.map((id) => show('route', id)).join(', ')}`);
  }
  if (rule.serviceIds?.length) {
    parts.push(`services: ${rule.serviceIds.map((id) => show('service', id)).join(', ')}`);
  }
  return parts.length ? parts.join('; ') : 'all traffic';
}
