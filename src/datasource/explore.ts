import { linkRange } from './frames/links';
import { DATASOURCE_TYPE, type KongDebuggerQuery } from './types';

export interface ExploreLinkOptions {
  /** uid of the Kong Debugger data source instance (provisioned as `kong-debugger`) */
  datasourceUid: string;
  /** e.g. `{ queryType: 'traces', sessionId }` or `{ queryType: 'trace', traceId }` */
  query: Omit<KongDebuggerQuery, 'refId'> & { refId?: string };
  /** Grafana time expressions or Unix ms, e.g. 'now-1h' / 1751364930123 */
  from?: string | number;
  to?: string | number;
  /**
   * Unix ms the linked trace (or session) ran in, e.g. its start and end: without from/to, the link opens with
   * an absolute range around them (a minute either side), so it opens the same trace whenever it is followed
   */
  around?: number[];
  /** focus this span when the trace view opens */
  spanId?: string;
  orgId?: number;
  /** Grafana's root URL (e.g. `{{ externalURL }}` in an alert template); '' for a relative link */
  grafanaUrl?: string;
}

/**
 * An Explore URL that opens straight on our data source's traces / trace (Grafana 10.2+ `panes` URL format).
 *
 * Why: a frontend-only data source cannot back an alert rule, but an alert (on Kong's Prometheus metrics, say)
 * can carry this URL in an annotation so the notification links directly to the captured traces:
 *   /explore?schemaVersion=1&orgId=1&panes={"kdbg":{"datasource":"kong-debugger","queries":[{"refId":"A",
 *     "datasource":{"type":"kongdbg-debugger-datasource","uid":"kong-debugger"},"queryType":"traces",
 *     "sessionId":"<id>"}],"range":{"from":"now-1h","to":"now"}}}
 * (URL-encoded). See the plugin README, "Links from alerts".
 */
export function exploreUrl(opts: ExploreLinkOptions): string {
  const query = {
    refId: 'A',
    ...opts.query,
    datasource: { type: DATASOURCE_TYPE, uid: opts.datasourceUid },
  };
  const pane: Record<string, unknown> = {
    datasource: opts.datasourceUid,
    queries: [query],
    range: paneRange(opts),
  };
  if (opts.spanId) {
    pane.panelsState = { trace: { spanId: opts.spanId } };
  }
  const params = new URLSearchParams();
  params.set('schemaVersion', '1');
  params.set('orgId', String(opts.orgId ?? 1));
  params.set('panes', JSON.stringify({ kdbg: pane }));
  const base = (opts.grafanaUrl ?? '').replace(/\/+$/, '');
  return `${base}/explore?${params.toString()}`;
}

/** from/to as given; else absolute around the given times; else the last hour */
function paneRange(opts: ExploreLinkOptions): { from: string; to: string } {
  const around = opts.from === undefined && opts.to === undefined && opts.around ? linkRange(opts.around) : undefined;
  if (around) {
    return { from: String(around.from.valueOf()), to: String(around.to.valueOf()) };
  }
  return { from: String(opts.from ?? 'now-1h'), to: String(opts.to ?? 'now') };
}
