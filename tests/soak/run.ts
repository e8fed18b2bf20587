/*
 * `npm run soak`: the full soak test (about 5 minutes by default), printing its figures; exits 1 when an assertion
 * fails. SOAK_STEADY_SECONDS (240), SOAK_OVERLOAD_SECONDS (60), SOAK_OVERLOAD_FACTOR (4), SOAK_RSS_LIMIT_MB (512).
 * SOAK_MEMORY_LOG=<ms>: the server logs where its memory is (RSS, V8 heap by space) every <ms> on stderr.
 */
import { formatSoakReport, runSoak, soakOptionsFromEnv } from './soak';

async function main(): Promise<void> {
  const opts = soakOptionsFromEnv({ steadySeconds: 240, overloadSeconds: 60 }, (l) => console.error(l));
  const report = await runSoak(opts);
  console.log(`\nkong-debugger soak — ${new Date().toISOString()}, Node ${process.version}\n${formatSoakReport(report)}`);
  if (process.env.SOAK_JSON) console.log(JSON.stringify(report, null, 2));
  process.exit(report.failures.length ? 1 : 0);
}

main().catch((e) => {
  console.error(`soak failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
