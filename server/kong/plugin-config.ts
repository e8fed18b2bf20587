import { versionAtLeast } from './gateways';
import type { DesiredScope } from './plan';
import type { KongPlugin } from './kong-store';

export const DEBUGGER_TAG = 'kong-debugger';
export const sessionTag = (id: string) => `session:${id}`;

/** where Kong sends what it exports, and with which token */
export interface ExportTarget {
  /** the server's OTLP/HTTP base URL as Kong reaches it, e.g. http://kong-debugger:4318 */
  otlpUrl: string;
  /** an `ingest` token; sent as `Authorization: Bearer …` (config.headers) */
  ingestToken?: string;
}

/**
 * The opentelemetry plugin config we want at one scope (only the fields we set; Kong fills the rest):
 * - `traces_endpoint` (3.8+; before: the `endpoint` field it replaced), `logs_endpoint` (3.8+) only when a
 *   session there captures logs (any instance with logs_endpoint turns log capture on for the whole node);
 * - `sampling_rate = 1` (3.6+): every request whose plugin access handler runs is traced, whatever
 *   kong.conf tracing_sampling_rate says;
 * - `resource_attributes` naming the route/service (the attribute names the rules and filters read:
 *   proxy.kong.route.id / proxy.kong.service.id), so OSS traces, whose spans carry no ids, match basic rules.
 *   The sessions go into `kong_debugger.sessions`, NOT `session.id`: a `session.id` resource attribute puts
 *   every trace into that session regardless of its rule (ingest/policy.ts), wrong for shared instances.
 */
export function pluginConfig(d: DesiredScope, version: string | undefined, target: ExportTarget): Record<string, unknown> {
  const base = target.otlpUrl.replace(/\/+$/, '');
  const modern = versionAtLeast(version, 3, 8);
  const attrs: Record<string, string> = { 'kong_debugger.sessions': d.sessions.join(',') };
  if (d.scope === 'route') {
    attrs['proxy.kong.route.id'] = d.scopeId;
    if (d.serviceId) attrs['proxy.kong.service.id'] = d.serviceId;
  } else if (d.scope === 'service') attrs['proxy.kong.service.id'] = d.scopeId;
  const config: Record<string, unknown> = {
    [modern ? 'traces_endpoint' : 'endpoint']: `${base}/v1/traces`,
    resource_attributes: attrs,
  };
  if (modern && d.logs) config.logs_endpoint = `${base}/v1/logs`;
  if (versionAtLeast(version, 3, 6)) config.sampling_rate = 1;
  // Always set (null without a token): a plugin that was already there may carry its own backend's credentials,
  // which must not be sent to us while it exports here.
  config.headers = target.ingestToken ? { Authorization: `Bearer ${target.ingestToken}` } : null;
  return config;
}

export function ourTags(sessions: string[], prior?: string[] | null): string[] {
  const keep = (prior ?? []).filter((t) => t !== DEBUGGER_TAG && !t.startsWith('session:'));
  return [...keep, DEBUGGER_TAG, ...sessions.map(sessionTag)];
}

/** the plugin's scope as Kong stores it: exactly this route / service / nothing, no consumer or group */
export function atScope(p: KongPlugin, scope: 'route' | 'service' | 'global', id: string): boolean {
  const route = p.route?.id ?? null;
  const service = p.service?.id ?? null;
  const other = (p.consumer?.id ?? null) !== null || ((p.consumer_group as { id?: string } | null | undefined)?.id ?? null) !== null;
  if (p.name !== 'opentelemetry' || other) return false;
  if (scope === 'route') return route === id && service === null;
  if (scope === 'service') return service === id && route === null;
  return route === null && service === null;
}

/** whether Kong's plugin already has what we want (so no write is needed) */
export function satisfies(p: KongPlugin, config: Record<string, unknown>, tags: string[]): boolean {
  if (p.enabled === false) return false;
  for (const [k, v] of Object.entries(config)) if (!deepEqual(p.config?.[k], v)) return false;
  const have = new Set(p.tags ?? []);
  return tags.length === have.size && tags.every((t) => have.has(t));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b || (a == null && b == null);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] != null);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] != null);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * The plugin to add by hand where the server cannot (DB-less Kong's declarative config, a control plane, decK):
 * YAML in Kong's declarative format. The ingest token is not printed: it is a secret.
 */
export function manualYaml(scopes: Array<{ scope: 'route' | 'service' | 'global'; id?: string; name?: string }>, sessionId: string, target: ExportTarget, logs: boolean): string {
  const base = target.otlpUrl.replace(/\/+$/, '');
  const lines = ['# Kong 3.8+ declarative config (kong.yml); Kong 3.6/3.7: "endpoint" instead of traces_endpoint, no logs_endpoint', 'plugins:'];
  for (const s of scopes.length ? scopes : [{ scope: 'global' as const }]) {
    lines.push('- name: opentelemetry');
    if (s.scope !== 'global') lines.push(`  ${s.scope}: ${yamlString(s.name ?? s.id ?? '')}`);
    lines.push(`  tags: [${DEBUGGER_TAG}, "${sessionTag(sessionId)}"]`, '  config:', `    traces_endpoint: ${base}/v1/traces`);
    if (logs) lines.push(`    logs_endpoint: ${base}/v1/logs`);
    lines.push('    sampling_rate: 1');
    if (target.ingestToken) lines.push('    headers:', '      Authorization: "Bearer <an ingest token: kong-debugger token create --role ingest>"');
    if (s.scope !== 'global') {
      lines.push('    resource_attributes:', `      ${s.scope === 'route' ? 'proxy.kong.route.id' : 'proxy.kong.service.id'}: ${yamlString(s.id ?? '')}`);
    }
  }
  return lines.join('\n') + '\n';
}

function yamlString(s: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(s) ? s : JSON.stringify(s);
}
