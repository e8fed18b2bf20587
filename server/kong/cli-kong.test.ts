import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../app';
import { KongAdminStandIn } from '../testing/kong-admin';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'kong-debugger.js');

function run(args: string[], env: Record<string, string> = {}, stopWhen?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stopWhen?.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('CLI with Kong in the loop', () => {
  let kong: KongAdminStandIn;
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    kong = await new KongAdminStandIn({ version: '3.9.1', tracingSamplingRate: 0 }).start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-cli-kong-'));
  });
  afterAll(async () => {
    await server?.close();
    await kong.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('session start --route takes a route name and prints the set-up', async () => {
    const svc = kong.addService({ name: 'orders' });
    const checkout = kong.addRoute({ name: 'checkout', paths: ['/checkout'], service: svc.id });
    server = await startServer({ dataDir: dir, port: 0, otlpPort: 0, kong: { gateways: [{ name: 'default', url: kong.url }], attempts: 1 } });
    const json = await run(['session', 'start', '--url', server.apiUrl, '--route', 'checkout', '--service', svc.id, '--json']);
    expect(json.code).toBe(0);
    const session = JSON.parse(json.stdout);
    expect(session.rule).toEqual({ type: 'basic', routeIds: [checkout.id], serviceIds: [svc.id] });
    expect(session.tracing.mode).toBe('service-scoped');
    const text = await run(['session', 'start', '--url', server.apiUrl, '--route', 'not-in-kong']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Kong tracing: unmanaged \(the rule names no route or service known/);
    expect(text.stdout).toContain('Add this plugin configuration by hand:');
    expect(text.stdout).toContain('  route: not-in-kong');
  }, 60_000);

  it('serve reads each gateway given as NAME=URL (flag or environment) and says what it found', async () => {
    const down = new KongAdminStandIn();
    await down.start();
    const downUrl = down.url;
    await down.stop();
    const out = await run(
      ['serve', '--port', '0', '--otlp-port', '0', '--data-dir', path.join(dir, 'serve'), '--auth', 'none', '--kong-admin-url', `prod=${kong.url}`],
      { KONG_DEBUGGER_KONG_ADMIN_URL: '' },
      /kong prod .*\n/,
    );
    expect(out.stdout).toMatch(new RegExp(`kong prod\\s+${kong.url}: Kong 3\\.9\\.1, database=postgres, tracing_instrumentations=all tracing_sampling_rate=0; managed`));
    const env = await run(['serve', '--port', '0', '--otlp-port', '0', '--data-dir', path.join(dir, 'serve2'), '--auth', 'none'], { KONG_DEBUGGER_KONG_ADMIN_URL: `prod=${kong.url} staging=${downUrl}` }, /kong staging.*\n/);
    expect(env.stdout).toMatch(/kong prod .*managed/);
    expect(env.stdout).toMatch(/kong staging\s+\S+: NOT REACHABLE \(.*ECONNREFUSED.*\)/);
    const bad = await run(['serve', '--port', '0', '--otlp-port', '0', '--data-dir', path.join(dir, 'serve3'), '--auth', 'none', '--kong-admin-url', 'kong:8001']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/only http and https/);
  }, 90_000);
});
