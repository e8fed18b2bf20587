import { type Command, Option } from 'commander';
import type { EntityList, Session } from '../../common/api';
import { resolveEntityRef } from '../../common/entity-ref';
import { parseGatewaySpecs } from '../kong/gateways';
import type { KongOptions } from '../kong/kong-loop';

/** serve's Kong-in-the-loop flags, each with an environment variable */
export function kongServeOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--kong-admin-url <[NAME=]URL...>', "Kong Admin API to read names from and switch tracing on for sessions (repeat as NAME=URL for several gateways)")
        .env('KONG_DEBUGGER_KONG_ADMIN_URL')
        .argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(/[\s,]+/).filter(Boolean)]),
    )
    .addOption(new Option('--kong-admin-token <token>', 'sent as Kong-Admin-Token (Kong Enterprise RBAC)').env('KONG_DEBUGGER_KONG_ADMIN_TOKEN'))
    .addOption(new Option('--kong-workspace <name>', 'Kong Enterprise workspace (default: Kong\'s default workspace)').env('KONG_DEBUGGER_KONG_WORKSPACE'))
    .addOption(new Option('--kong-otlp-url <url>', 'this server\'s OTLP/HTTP base URL as Kong reaches it (default: the receiver\'s own address)').env('KONG_DEBUGGER_KONG_OTLP_URL'))
    .addOption(new Option('--kong-ingest-token <token>', 'the ingest token Kong\'s plugin sends (default: --ingest-token)').env('KONG_DEBUGGER_KONG_INGEST_TOKEN'));
}

/** the parsed flags, or undefined without --kong-admin-url; a malformed URL is a clear error */
export function kongOptionsFrom(o: { kongAdminUrl?: string[] | string; kongAdminToken?: string; kongWorkspace?: string; kongOtlpUrl?: string; kongIngestToken?: string }): KongOptions | undefined {
  // commander hands the env var over as one string (not through argParser)
  const urls = typeof o.kongAdminUrl === 'string' ? o.kongAdminUrl.split(/[\s,]+/).filter(Boolean) : (o.kongAdminUrl ?? []);
  if (urls.length === 0) return undefined;
  return { gateways: parseGatewaySpecs(urls), token: o.kongAdminToken, workspace: o.kongWorkspace, otlpUrl: o.kongOtlpUrl, ingestToken: o.kongIngestToken };
}

/** `session start --route checkout`: names become ids through the server's entity list */
export async function resolveRefs(refs: string[] | undefined, kind: 'routes' | 'services', entities: () => Promise<EntityList>): Promise<string[] | undefined> {
  if (!refs?.length) return undefined;
  const list = (await entities())[kind];
  return refs.map((r) => {
    const res = resolveEntityRef(list, r);
    if ('error' in res) throw new Error(`--${kind === 'routes' ? 'route' : 'service'}: ${res.error}`);
    return res.id;
  });
}

/** what `session start` prints about Kong's set-up (nothing when the server does not drive Kong) */
export function formatTracing(s: Session): string {
  const t = s.tracing;
  if (!t) return '';
  const lines = [`Kong tracing: ${t.mode}${t.message ? ` (${t.message})` : ''}`];
  if (t.manualConfig) lines.push('Add this plugin configuration by hand:', t.manualConfig.trimEnd());
  return '\n' + lines.join('\n');
}
