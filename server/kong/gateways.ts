import type { KongGatewayHealth } from '../../common/api';
import { KongAdminClient, KongAdminError, type KongInfo } from './admin-client';

/** one Kong whose Admin API the server uses */
export interface GatewaySpec {
  /** the name sessions and entities refer to it by (`prod` in `prod=https://kong-admin:8001`; `default` for a bare URL) */
  name: string;
  url: string;
}

/**
 * `--kong-admin-url` values: `URL` or `NAME=URL`, repeatable. A bare URL is the gateway `default`; names are
 * unique, letters, digits, `_` and `-` (they appear in the database and in session records).
 */
export function parseGatewaySpecs(values: string[]): GatewaySpec[] {
  const out: GatewaySpec[] = [];
  for (const raw of values) {
    const v = raw.trim();
    const m = /^([A-Za-z0-9_-]+)=(.*)$/.exec(v);
    const name = m ? m[1] : 'default';
    const url = (m ? m[2] : v).trim();
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new Error(`--kong-admin-url "${raw}": not a URL; give http(s)://host:port or NAME=http(s)://host:port`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`--kong-admin-url "${raw}": only http and https are supported`);
    if (out.some((g) => g.name === name)) throw new Error(`--kong-admin-url: gateway name "${name}" given twice; name them NAME=URL`);
    out.push({ name, url: url.replace(/\/+$/, '') });
  }
  return out;
}

/** `3.9.1`, `3.4.3.12` (Enterprise), `3.10.0.0-dev` → [major, minor, patch] */
export function parseKongVersion(v: string | undefined): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function versionAtLeast(v: string | undefined, major: number, minor: number): boolean {
  const p = parseKongVersion(v);
  return !!p && (p[0] > major || (p[0] === major && p[1] >= minor));
}

/** What a gateway's `GET /` said, in the terms the server decides on: what /api/v1/health shows, and more. */
export interface GatewayStatus extends KongGatewayHealth {
  /** whether the opentelemetry plugin is loaded (`plugins.available_on_server`) */
  opentelemetryAvailable?: boolean;
}

export function statusFromInfo(spec: GatewaySpec, workspace: string | undefined, info: KongInfo, nowMs: number): GatewayStatus {
  const conf = info.configuration ?? {};
  const inst = conf.tracing_instrumentations;
  const available = info.plugins?.available_on_server;
  const otel = Array.isArray(available) ? available.includes('opentelemetry') : available ? 'opentelemetry' in available : undefined;
  const s: GatewayStatus = {
    name: spec.name,
    url: spec.url,
    ...(workspace ? { workspace } : {}),
    reachable: true,
    version: info.version,
    database: conf.database,
    role: conf.role,
    tracingInstrumentations: Array.isArray(inst) ? inst.join(',') : inst,
    tracingSamplingRate: typeof conf.tracing_sampling_rate === 'number' ? conf.tracing_sampling_rate : undefined,
    opentelemetryAvailable: otel,
    checkedAt: new Date(nowMs).toISOString(),
  };
  s.readOnlyReason = readOnlyReason(s);
  return s;
}

/** Kong that will refuse (or ignore) our plugin changes, judged from `GET /` before trying. */
function readOnlyReason(s: GatewayStatus): string | undefined {
  if (s.role === 'data_plane')
    return `Kong "${s.name}" is a data plane managed by a control plane: its Admin API is read-only; add the plugin on the control plane (or Konnect)`;
  if (s.database === 'off') return `Kong "${s.name}" runs DB-less (database = off): its Admin API refuses writes (405); add the plugin to its declarative configuration`;
  if (s.opentelemetryAvailable === false) return `Kong "${s.name}" does not load the opentelemetry plugin; add it to kong.conf "plugins" (e.g. plugins = bundled)`;
  if (!s.version || !versionAtLeast(s.version, 3, 0)) return `Kong "${s.name}" is version ${s.version ?? 'unknown'}; the tracing set-up needs Kong 3.0 or newer`;
  return undefined;
}

/** One gateway: its client and what the server last learnt about it. */
export class Gateway {
  status: GatewayStatus;
  constructor(
    readonly spec: GatewaySpec,
    readonly client: KongAdminClient,
    readonly workspace?: string,
  ) {
    this.status = { name: spec.name, url: spec.url, ...(workspace ? { workspace } : {}), reachable: false };
  }

  /** reads `GET /` again; never throws (the status says what failed) */
  async refreshStatus(nowMs = Date.now()): Promise<GatewayStatus> {
    try {
      const info = await this.client.info();
      this.status = { ...statusFromInfo(this.spec, this.workspace, info, nowMs), entitiesSyncedAt: this.status.entitiesSyncedAt };
    } catch (e) {
      const err = e as KongAdminError;
      this.status = {
        ...this.status,
        reachable: err.kind !== 'unreachable' && err.kind !== 'server',
        error: err.message,
        checkedAt: new Date(nowMs).toISOString(),
      };
    }
    return this.status;
  }
}

export interface GatewayOptions {
  specs: GatewaySpec[];
  token?: string;
  workspace?: string;
  attempts?: number;
  backoffMs?: number;
  timeoutMs?: number;
}

/** The gateways the server was told about (`--kong-admin-url`), by name. */
export class GatewayRegistry {
  readonly gateways: Gateway[];
  constructor(opts: GatewayOptions) {
    this.gateways = opts.specs.map(
      (spec) =>
        new Gateway(
          spec,
          new KongAdminClient({ url: spec.url, token: opts.token, workspace: opts.workspace, attempts: opts.attempts, backoffMs: opts.backoffMs, timeoutMs: opts.timeoutMs }),
          opts.workspace,
        ),
    );
  }
  get(name: string): Gateway | undefined {
    return this.gateways.find((g) => g.spec.name === name);
  }
}
