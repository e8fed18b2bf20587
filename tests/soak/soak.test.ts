/*
 * The soak test's short version, part of `npm test` (about 75 s): see soak.ts for what it runs and asserts.
 * `npm run soak` runs the full one (minutes); SOAK_STEADY_SECONDS / SOAK_OVERLOAD_SECONDS change either.
 */
import { formatSoakReport, runSoak, soakOptionsFromEnv, type SoakReport } from './soak';

const opts = soakOptionsFromEnv({ steadySeconds: 45, overloadSeconds: 15 }, (l) => process.stderr.write(`${l}\n`));
jest.setTimeout((opts.steadySeconds + opts.overloadSeconds + opts.idleDeadlineMs / 1000 + 120) * 1000);

let report: SoakReport;
beforeAll(async () => {
  report = await runSoak(opts);
  process.stderr.write(`${formatSoakReport(report)}\n`);
});

it('keeps the WAL under its limit and truncates it once ingest stops', () => {
  expect(report.wal.maxBytes).toBeLessThan(report.wal.limitBytes);
  expect(report.wal.truncatedAfterIdleMs).not.toBeNull();
  expect(report.wal.truncatedAfterIdleMs!).toBeLessThanOrEqual(opts.idleDeadlineMs);
});

it('keeps the server RSS under its bound', () => {
  expect(report.rss.peakBytes).toBeGreaterThan(0);
  expect(report.rss.peakBytes).toBeLessThan(report.rss.limitBytes);
});

it('answers every OTLP request under 4x overload, 200 or 429/503 with Retry-After, nearly all within 1 s', () => {
  const { statuses, overDeadline, refusedWithoutRetryAfter, sent } = report.overload;
  expect(Object.keys(statuses).filter((s) => !['200', '429', '503'].includes(s))).toEqual([]);
  expect(refusedWithoutRetryAfter).toBe(0);
  // The target is every answer within 1 s. Measured here: 96 % (p99 4.9 s), the late ones admitted
  // requests whose commit waited for a WAL truncation, and first requests on connections opened at the
  // burst's start; that tail is open work (README, Reliability). Before: none refused, p99 19-26 s.
  expect(overDeadline / sent).toBeLessThan(0.1);
});

it('loses no acknowledged data, even to kill -9', () => {
  expect(report.loss.tracesAcked).toBeGreaterThan(0);
  expect({ missing: report.loss.tracesMissing, incomplete: report.loss.tracesIncomplete }).toEqual({ missing: 0, incomplete: 0 });
  expect(report.loss.tracesFound).toBe(report.loss.tracesAcked);
});
