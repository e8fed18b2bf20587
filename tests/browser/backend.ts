/**
 * Runs the live backend (startServer with demo traffic) in its own Node process for the browser test:
 * the demo's OTLP exporter uses dynamic import(), which jest's module VM cannot run.
 * Usage: node --import tsx tests/browser/backend.ts <dataDir> <apiToken>; prints one JSON line {apiUrl, otlpUrl}.
 */
import { startServer } from '../../server/app';

async function main() {
  const [dataDir, apiToken] = process.argv.slice(2);
  if (!dataDir || !apiToken) {
    throw new Error('usage: backend.ts <dataDir> <apiToken>');
  }
  const server = await startServer({ dataDir, apiToken, demo: true, port: 0, otlpPort: 0, logger: false });
  process.stdout.write(`${JSON.stringify({ apiUrl: server.apiUrl, otlpUrl: server.otlpUrl })}\n`);
  const stop = () => {
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
