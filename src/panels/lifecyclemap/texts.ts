/** Labels and tooltips of the map's fixed parts (wording follows Konnect's Summary view). */
import { EDGE_KEYS, EDGE_LABELS as NAMES, type EdgeKey } from '../../../common/lifecycle/edges';

/** On the map an edge's name is drawn in lower case beside its arrow (common/lifecycle/edges.ts names them). */
export const EDGE_LABELS = Object.fromEntries(EDGE_KEYS.map((k) => [k, NAMES[k].toLowerCase()])) as Record<EdgeKey, string>;

export const EDGE_TOOLTIPS: Record<EdgeKey, string> = {
  clientOut:
    'Time Kong spent reading the request headers and body from the client. A high value points to a slow client or to network/connectivity problems between the client and Kong.',
  upstreamIn:
    'Time to select the upstream target and send the request to it. A high value points to slow DNS/balancing or to network/connectivity problems between Kong and the upstream.',
  upstreamOut:
    'Time to read the response headers and body from the upstream (includes its processing time). A high value points to a slow upstream or to network/connectivity problems.',
  clientIn:
    'Time Kong waited for the client to read the response, including client reads inside plugins. A high value points to a slow client or to network/connectivity problems.',
};

export const UNMEASURED_TOOLTIP =
  'n/a: no span measured this step (Kong open source does not emit client read/write spans).';

export const EMPTY_GROUP = 'No plugins were executed';

/** How a try ended, in words (outcome values of common/api.ts UpstreamTryOutcome). */
export const TRY_OUTCOME: Record<string, string> = {
  answered: 'answered',
  timeout: 'timed out',
  refused: 'connection refused',
  error: 'connection failed',
  http_error: 'HTTP error',
  aborted: 'client aborted',
  unknown: 'unknown',
};

/** Where a map note is shown, in words. */
export const NOTE_PLACE: Record<string, string> = {
  ...EDGE_LABELS,
  requestPlugins: 'request plugins',
  responsePlugins: 'response plugins',
  total: 'total',
};
