/**
 * The four edges of the request-lifecycle map (client → Kong → upstream → Kong → client), in map order,
 * with Konnect's names for them. The one definition: the session summary, the analysis, the data
 * source's frames and the map panel all take their keys and labels from here.
 */
export const EDGE_KEYS = ['clientOut', 'upstreamIn', 'upstreamOut', 'clientIn'] as const;

export type EdgeKey = (typeof EDGE_KEYS)[number];

export const EDGE_LABELS: Readonly<Record<EdgeKey, string>> = {
  clientOut: 'Client out',
  upstreamIn: 'Upstream in',
  upstreamOut: 'Upstream out',
  clientIn: 'Client in',
};

export function isEdgeKey(key: string): key is EdgeKey {
  return (EDGE_KEYS as readonly string[]).includes(key);
}
