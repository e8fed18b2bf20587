import type { AttributeValue } from '../../common/api';
import { isLogPhaseSpanName } from '../../common/spans/names';
import type { DecodedResource, DecodedSpan } from '../otlp/types';
import { makeRuleInput, type RuleInput } from '../rules';
import { isRootSpan } from './root';

/** what the policy needs of the sessions: the running ones of `tenant` the root's input matches or the resource names */
export interface RunningSessionsView {
  match(input: RuleInput | undefined, resourceSessionId: string | undefined, tenant: string): string[];
}

function sessionIdOf(resource: DecodedResource | undefined): string | undefined {
  const v = resource?.attributes['session.id'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The sampling policy: which running sessions of `tenant` want this trace, judged on its root span
 * (Kong's rules see the whole request, after the response) or named by its resource's `session.id`
 * (Kong Enterprise sets one; a value naming no running session of the tenant is ignored). `spans` are
 * the trace's spans in this request, their resource indexes into `resources`. Undefined when the trace
 * cannot be judged yet (no root in these spans and no running session named): its spans wait for the
 * root. Only the sessions of the tenant whose ingest token sent the trace may take it.
 */
export function sessionsWanting(
  spans: DecodedSpan[],
  resources: DecodedResource[],
  tenant: string,
  sessions: RunningSessionsView,
  reveal?: (key: string, value: AttributeValue) => AttributeValue,
): string[] | undefined {
  const root = spans.find(isRootSpan);
  const resource = resources[(root ?? spans[0]).resource];
  const named = sessionIdOf(resource);
  if (root) return sessions.match(makeRuleInput(root.attributes, resource?.attributes, reveal), named, tenant);
  // Enterprise 3.13+ exports the log phase as a trace of its own: it is not a request, so a session id
  // on it admits nothing (it joins its request when it shares the trace id, else it expires unjudged).
  if (spans.every((s) => isLogPhaseSpanName(s.name))) return undefined;
  const direct = named === undefined ? [] : sessions.match(undefined, named, tenant);
  return direct.length ? direct : undefined;
}
