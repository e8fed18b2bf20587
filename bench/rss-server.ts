/*
 * Child process of the RSS benchmark: the real server (startServer) on loopback ports, with one
 * running session whose rule matches the benchmark's traces. Talks to the parent over IPC only.
 */
import fs from 'node:fs';
import { startServer } from '../server/app';
import { INGEST_RULE } from './ingest';
import { rmDir, tmpDir } from './util';

function vm(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

async function main(): Promise<void> {
  const dir = tmpDir('rss');
  const server = await startServer({ dataDir: dir, port: 0, otlpPort: 0, host: '127.0.0.1', logger: false });
  await server.sessions.create({ rule: { type: 'advanced', expression: INGEST_RULE }, durationSeconds: 3600, maxTraces: 100_000_000, captureLogs: false });
  process.on('message', async (m: { cmd: string }) => {
    if (m.cmd === 'mem') {
      process.send!({ cmd: 'mem', rss: vm('VmRSS'), peak: vm('VmHWM'), heapUsed: process.memoryUsage().heapUsed, stats: server.pipeline.stats });
    } else if (m.cmd === 'stop') {
      await server.close();
      rmDir(dir);
      process.send!({ cmd: 'stopped' }, () => process.exit(0));
    }
  });
  // the parent going away must not leave a server behind
  process.on('disconnect', () => process.exit(0));
  process.send!({ cmd: 'ready', otlpUrl: server.otlpUrl, rss: vm('VmRSS') });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
