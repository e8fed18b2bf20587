import type { PluginPhase } from '../api';

/** Konnect's Request group: plugins of these phases, in lifecycle order. */
export const REQUEST_PHASES: readonly PluginPhase[] = ['certificate', 'rewrite', 'access'];
/** Konnect's Response group. (`log` plugins run after the response and are not on the map.) */
export const RESPONSE_PHASES: readonly PluginPhase[] = ['response', 'header_filter', 'body_filter'];

export function isRequestPhase(p: string): p is PluginPhase {
  return (REQUEST_PHASES as readonly string[]).includes(p);
}
export function isResponsePhase(p: string): p is PluginPhase {
  return (RESPONSE_PHASES as readonly string[]).includes(p);
}
