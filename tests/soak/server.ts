/*
 * The soak test's server: the real server (startServer) on loopback ports in its own process, so its RSS is its own
 * and the load generator does not share its event loop. `fresh` opens one running session whose rule matches the
 * soak's traces; `reopen` starts on the data dir a killed run left behind. Talks to its parent over IPC only:
 * sends {otlpUrl, apiUrl, sessionId} when listening; answers 'stats' with the WAL checkpoint counters; on 'stop'
 * closes and exits.
 * Usage (forked with IPC): server.ts <dataDir> <fresh|reopen>
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { startServer } from '../../server/app';
import { SOAK_RULE } from './batches';

async function main(): Promise<void> {
  const [dataDir, mode] = process.argv.slice(2);
  if (!dataDir || (mode !== 'fresh' && mode !== 'reopen')) throw new Error('usage: server.ts <dataDir> <fresh|reopen>');
  const server = await startServer({ dataDir, port: 0, otlpPort: 0, host: '127.0.0.1', logger: false, auth: 'none' });
  let sessionId = server.sessions.runningSessions()[0]?.id;
  if (mode === 'fresh') {
    // Created directly (not through the API's validation) so the trace cap never ends it mid-run.
    sessionId = (await server.sessions.create({ rule: { type: 'advanced', expression: SOAK_RULE }, durationSeconds: 3600, maxTraces: 100_000_000, captureLogs: false })).id;
  }
  process.on('message', async (m: { cmd: string }) => {
    if (m.cmd === 'stats') return process.send!({ cmd: 'stats', checkpoints: server.checkpoints?.() });
    if (m.cmd !== 'stop') return;
    await server.close();
    process.send!({ cmd: 'stopped' }, () => process.exit(0));
  });
  // the parent going away must not leave a server behind
  process.on('disconnect', () => process.exit(0));
  // SOAK_MEMORY_LOG=<ms>: where the memory goes, every <ms> on stderr (investigating the RSS bound)
  const every = Number(process.env.SOAK_MEMORY_LOG);
  if (every > 0) {
    const t0 = Date.now();
    setInterval(() => {
      const m = process.memoryUsage();
      const mib = (b: number) => (b / 1048576).toFixed(0);
      const spaces = getHeapSpaceStatistics()
        .filter((sp) => sp.space_size > 1048576)
        .map((sp) => `${sp.space_name.replace('_space', '')} ${mib(sp.space_used_size)}/${mib(sp.space_size)}`)
        .join(' ');
      process.stderr.write(`mem ${((Date.now() - t0) / 1000).toFixed(0)}s rss ${mib(m.rss)} heapTotal ${mib(m.heapTotal)} heapUsed ${mib(m.heapUsed)} external ${mib(m.external)} arrayBuffers ${mib(m.arrayBuffers)} | ${spaces}\n`);
    }, every).unref();
  }
  process.send!({ cmd: 'ready', otlpUrl: server.otlpUrl, apiUrl: server.apiUrl, sessionId });
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
