import { Command, InvalidArgumentError, Option } from 'commander';
// Log encryption at rest: which KEK provider serve / keys rotate use (server/crypto/config.ts).
import { keyProviderFromConfig } from '../crypto/config';
import { isPostgresUrl } from '../store/pg-pool';
import { ApiClient } from './client';

/** the key options shared by `serve` and `keys rotate`; no flag for the key itself (it would show in `ps`) */
export function keyOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--kek-file <file>', 'customer key-encryption key: 32 raw bytes or their base64 (else env KONG_DEBUGGER_KEK, base64)').env('KONG_DEBUGGER_KEK_FILE'))
    .addOption(new Option('--vault-key <name>', 'use this HashiCorp Vault transit key as key-encryption key').env('KONG_DEBUGGER_VAULT_KEY'))
    .addOption(new Option('--vault-addr <url>', 'Vault address').env('VAULT_ADDR'))
    .addOption(new Option('--vault-token <token>', 'Vault token (prefer the env var)').env('VAULT_TOKEN'))
    .addOption(new Option('--vault-mount <path>', 'transit engine mount').env('KONG_DEBUGGER_VAULT_MOUNT').default('transit'))
    .addOption(new Option('--vault-namespace <ns>', 'Vault Enterprise namespace').env('VAULT_NAMESPACE'))
    .addOption(new Option('--tenant-keys <file>', 'JSON file: per-tenant customer-managed keys (kekFile, kekBase64 or vault*)').env('KONG_DEBUGGER_TENANT_KEYS'));
}

export function keyProviderOf(o: Record<string, string | undefined>, dataDir: string) {
  return keyProviderFromConfig({
    dataDir,
    kekFile: o.kekFile,
    kekBase64: process.env.KONG_DEBUGGER_KEK || undefined,
    vaultKey: o.vaultKey,
    vaultAddr: o.vaultAddr,
    vaultToken: o.vaultToken,
    vaultMount: o.vaultMount,
    vaultNamespace: o.vaultNamespace,
  });
}

export function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

export function clientOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'debugger REST API').env('KONG_DEBUGGER_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token <token>', 'API token').env('KONG_DEBUGGER_API_TOKEN'))
    .option('--json', 'print the raw JSON answer');
}

export function postgresUrlArg(v: string): string {
  if (!isPostgresUrl(v)) throw new InvalidArgumentError('must be a postgres:// or postgresql:// URL');
  return v;
}

/** the URL without its password, for printing */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export function client(opts: { url: string; token?: string }): ApiClient {
  return new ApiClient(opts.url, opts.token);
}

export function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}
