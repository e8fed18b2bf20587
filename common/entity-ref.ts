import type { EntityInfo } from './api';

/**
 * A route or service given by name or id (CLI `--route checkout`, `/sessions/new?route=checkout`) → its id.
 * An id Kong lists wins, then a unique name; a name two gateways use for different entities is ambiguous
 * (an error naming the ids); anything else is kept as given: an id seen in traffic but unknown to Kong.
 */
export function resolveEntityRef(list: EntityInfo[], ref: string): { id: string } | { error: string } {
  const r = ref.trim();
  if (list.some((e) => e.id === r)) return { id: r };
  const named = [...new Set(list.filter((e) => e.name === r).map((e) => e.id))];
  if (named.length === 1) return { id: named[0] };
  if (named.length > 1) return { error: `"${r}" names ${named.length} different entities (${named.join(', ')}); give the id` };
  return { id: r };
}
