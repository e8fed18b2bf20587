import type { LifecycleMap, LifecyclePluginNode } from '../api';
import { EDGE_LABELS, type EdgeKey } from '../lifecycle/edges';
import type { MapNodeValue } from './types';


/**
 * The measured nodes of a map in map order (client out, request plugins, upstream in, upstream out,
 * response plugins, client in), keyed as `TraceDigest.nodes` is: unmeasured edges are left out and a
 * plugin that ran twice in one phase is one node with the summed time (its first span's id).
 */
export function mapNodes(map: LifecycleMap): MapNodeValue[] {
  const out: MapNodeValue[] = [];
  const edge = (key: EdgeKey) => {
    if (map[key].measured) out.push({ key, label: EDGE_LABELS[key], group: 'edge', durationNs: map[key].durationNs });
  };
  const plugins = (list: LifecyclePluginNode[], group: 'request' | 'response') => {
    const at = new Map<string, MapNodeValue>();
    for (const p of list) {
      const seen = at.get(p.key);
      if (seen) {
        seen.durationNs += p.durationNs;
        continue;
      }
      const node: MapNodeValue = { key: p.key, label: p.plugin, group, phase: p.phase, durationNs: p.durationNs, spanId: p.spanId };
      at.set(p.key, node);
      out.push(node);
    }
  };
  edge('clientOut');
  plugins(map.requestPlugins, 'request');
  edge('upstreamIn');
  edge('upstreamOut');
  plugins(map.responsePlugins, 'response');
  edge('clientIn');
  return out;
}
