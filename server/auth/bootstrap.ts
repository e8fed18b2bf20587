import { DEFAULT_TENANT, type Role } from './roles';
import type { TokenStore } from './tokens';

/*
 * Bootstrap tokens: the ones given to `serve` on the command line or in the environment (for a stack that
 * provisions Grafana and Kong from the same .env), and the ones the server makes itself on a first start.
 */

/** at least 32 characters: 192 bits and more for random base64 or hex, the `openssl rand -hex 16` floor */
export const MIN_TOKEN_LENGTH = 32;
const MIN_DISTINCT_CHARACTERS = 10;
/** placeholders seen in examples and compose files, which someone will copy */
const PLACEHOLDER = /change.?me|replace.?me|your.?token|example|placeholder|secret|password|s3cr3t|passw0rd|^(.)\1*$|0123456789|abcdefghij|qwerty/i;

export class WeakTokenError extends Error {}

/** Why a token given to `serve` is not good enough, or undefined when it is. */
export function tokenWeakness(token: string): string | undefined {
  if (/\s/.test(token)) return 'it contains white space';
  if (token.length < MIN_TOKEN_LENGTH) return `it has ${token.length} characters; at least ${MIN_TOKEN_LENGTH} are needed`;
  if (PLACEHOLDER.test(token)) return 'it looks like a placeholder or a well-known value';
  if (new Set(token).size < MIN_DISTINCT_CHARACTERS) return `it uses fewer than ${MIN_DISTINCT_CHARACTERS} different characters`;
  return undefined;
}

export interface GivenTokens {
  /** --api-token: admin */
  apiToken?: string;
  /** --debugger-token: debugger (what Grafana's data source needs) */
  debuggerToken?: string;
  /** --ingest-token: ingest (what Kong sends) */
  ingestToken?: string;
}

const FLAGS: Record<keyof GivenTokens, string> = {
  apiToken: '--api-token (KONG_DEBUGGER_API_TOKEN)',
  debuggerToken: '--debugger-token (KONG_DEBUGGER_DEBUGGER_TOKEN)',
  ingestToken: '--ingest-token (KONG_DEBUGGER_INGEST_TOKEN)',
};

/** Refuses weak bootstrap tokens, and one secret given for two roles (it would be the stronger role's). */
export function checkGivenTokens(given: GivenTokens): void {
  const seen = new Map<string, string>();
  for (const key of Object.keys(FLAGS) as Array<keyof GivenTokens>) {
    const token = given[key];
    if (token === undefined) continue;
    const why = tokenWeakness(token);
    if (why) {
      throw new WeakTokenError(
        `${FLAGS[key]} is too weak: ${why}. Leave it unset and the server creates strong tokens on its first start, or use a random one, e.g. \`openssl rand -hex 32\``,
      );
    }
    const other = seen.get(token);
    if (other) throw new WeakTokenError(`${other} and ${FLAGS[key]} are the same secret; give each role its own token`);
    seen.set(token, FLAGS[key]);
  }
}

export interface GeneratedToken {
  role: Role;
  id: string;
  token: string;
}

/**
 * First start: when the token table holds no active token, makes an admin token (unless --api-token is given)
 * and an ingest token (unless --ingest-token is given) of the default tenant. They are stored hashed like any
 * other and returned for the caller to print once; a later start finds the table in use and makes none.
 */
export async function tokensForFirstStart(store: TokenStore, given: GivenTokens): Promise<GeneratedToken[]> {
  if ((await store.count()) > 0) return [];
  const wanted: Array<[Role, string]> = [];
  if (given.apiToken === undefined) wanted.push(['admin', 'first-start admin']);
  if (given.ingestToken === undefined) wanted.push(['ingest', 'first-start ingest']);
  const made: GeneratedToken[] = [];
  for (const [role, name] of wanted) {
    const { token, info } = await store.create(name, role, DEFAULT_TENANT);
    made.push({ role, id: info.id, token });
  }
  return made;
}
