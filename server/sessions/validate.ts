import type { CreateSessionRequest, ExpressionError, SamplingRule } from '../../common/api';

export const MIN_DURATION_S = 10;
export const MAX_DURATION_S = 1800;
export const DEFAULT_MAX_TRACES = 200;
export const MAX_MAX_TRACES = 100_000;

/** A 400 for a session request: `message` for people, `errors` (rule positions) for editors. */
export class InvalidSessionError extends Error {
  constructor(
    message: string,
    public readonly errors?: ExpressionError[],
  ) {
    super(message);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A basic rule names routes and services picked from a list; a session is held in memory and matched per trace, so bound both. */
export const MAX_RULE_IDS = 100;
/** Kong's ids are 36-character UUIDs; leave room for other spellings but not for megabytes. */
export const MAX_RULE_ID_LENGTH = 128;

function stringList(v: unknown, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  // the count first, so a huge list is refused before its elements are looked at
  if (Array.isArray(v) && v.length > MAX_RULE_IDS) {
    throw new InvalidSessionError(`rule.${field} may hold at most ${MAX_RULE_IDS} ids; got ${v.length}`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.trim() !== '')) {
    throw new InvalidSessionError(`rule.${field} must be an array of non-empty strings`);
  }
  const ids = v.map((x: string) => x.trim());
  const long = ids.findIndex((x) => x.length > MAX_RULE_ID_LENGTH);
  if (long !== -1) {
    throw new InvalidSessionError(
      `rule.${field}[${long}] is ${ids[long].length} characters long; an id is at most ${MAX_RULE_ID_LENGTH} (Kong's ids are 36-character UUIDs)`,
    );
  }
  return ids;
}

/** Checks the shape of a create-session body; the rule's expression itself is checked by the rule engine. */
export function parseCreateSession(body: unknown): CreateSessionRequest {
  if (!isObject(body)) throw new InvalidSessionError('body must be a JSON object');
  const known = new Set(['name', 'rule', 'durationSeconds', 'maxTraces', 'captureLogs']);
  for (const k of Object.keys(body)) {
    if (!known.has(k)) throw new InvalidSessionError(`unknown field "${k}"; expected name, rule, durationSeconds, maxTraces, captureLogs`);
  }
  const { name, rule, durationSeconds, maxTraces, captureLogs } = body;
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) {
    throw new InvalidSessionError('name must be a string of at most 200 characters');
  }
  if (typeof durationSeconds !== 'number' || !Number.isInteger(durationSeconds)) {
    throw new InvalidSessionError(`durationSeconds is required: a whole number of seconds from ${MIN_DURATION_S} to ${MAX_DURATION_S}`);
  }
  if (durationSeconds < MIN_DURATION_S || durationSeconds > MAX_DURATION_S) {
    throw new InvalidSessionError(
      `durationSeconds must be from ${MIN_DURATION_S} (10 s) to ${MAX_DURATION_S} (30 min); got ${durationSeconds}`,
    );
  }
  if (maxTraces !== undefined && (typeof maxTraces !== 'number' || !Number.isInteger(maxTraces) || maxTraces < 1 || maxTraces > MAX_MAX_TRACES)) {
    throw new InvalidSessionError(`maxTraces must be a whole number from 1 to ${MAX_MAX_TRACES}`);
  }
  if (captureLogs !== undefined && typeof captureLogs !== 'boolean') throw new InvalidSessionError('captureLogs must be true or false');
  return {
    ...(name !== undefined ? { name: name as string } : {}),
    rule: parseRule(rule),
    durationSeconds,
    maxTraces: (maxTraces as number | undefined) ?? DEFAULT_MAX_TRACES,
    captureLogs: (captureLogs as boolean | undefined) ?? false,
  };
}

function parseRule(rule: unknown): SamplingRule {
  if (!isObject(rule)) throw new InvalidSessionError('rule is required: {"type":"basic","routeIds":[...]} or {"type":"advanced","expression":"..."}');
  if (rule.type === 'basic') {
    for (const k of Object.keys(rule)) {
      if (!['type', 'routeIds', 'serviceIds'].includes(k)) throw new InvalidSessionError(`unknown field "rule.${k}" in a basic rule; expected routeIds, serviceIds`);
    }
    const routeIds = stringList(rule.routeIds, 'routeIds');
    const serviceIds = stringList(rule.serviceIds, 'serviceIds');
    return { type: 'basic', ...(routeIds ? { routeIds } : {}), ...(serviceIds ? { serviceIds } : {}) };
  }
  if (rule.type === 'advanced') {
    for (const k of Object.keys(rule)) {
      if (!['type', 'expression'].includes(k)) throw new InvalidSessionError(`unknown field "rule.${k}" in an advanced rule; expected expression`);
    }
    if (typeof rule.expression !== 'string' || rule.expression.trim() === '') {
      throw new InvalidSessionError('rule.expression must be a non-empty string in Kong\'s expressions language');
    }
    return { type: 'advanced', expression: rule.expression };
  }
  throw new InvalidSessionError(`rule.type must be "basic" or "advanced"; got ${JSON.stringify(rule.type)}`);
}
