/*
 * The cost of acknowledging only what is on disk (issue 16, item 10), on SQLite. Three settings, same payloads,
 * same run; the runs alternate so the machine's other load falls on all alike, and each setting's median is kept:
 *   - NORMAL: answered once the commit is written to the OS (survives a killed process, not an OS crash);
 *   - FULL, the default: answered once the WAL is fsynced, the fsync done on libuv's thread pool after the group
 *     commit (server/store/wal-sync.ts), so the event loop keeps decoding other requests meanwhile;
 *   - SQLite's own synchronous = FULL: the same guarantee with the fsync inside each commit, on the event loop.
 * Each as the pipeline (Kong-shaped protobuf batches decoded and ingested, 100 % matching, 4 in flight, as the server
 * does) and as store.write only (the same rows written straight). One fsync covers every batch of a group commit.
 * FULL is the default when the pipeline keeps >= 0.7x of NORMAL's rate (server/store/database.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import { runInsert, runPipeline } from './ingest';
import type { BenchSync } from './stores';
import { kongPayloads, median, status, type Result } from './util';

const SPANS_PER_REQUEST = 200;
export const AFFORDABLE = 0.7;

/** the file system the bench's databases live on (fsync is free on tmpfs, which would make the figure meaningless) */
function fileSystemOf(dir: string): string {
  try {
    const mounts = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length > 2 && (dir === f[1] || dir.startsWith(f[1].endsWith('/') ? f[1] : `${f[1]}/`)));
    const m = mounts.sort((a, b) => b[1].length - a[1].length)[0];
    return m ? `${m[2]} on ${m[0]}` : 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function benchDurability(requests: number, reps = 3): Promise<Result[]> {
  const payloads = kongPayloads(requests, 1);
  const settings: BenchSync[] = ['normal', 'full', 'sqlite-full'];
  const pipeline = new Map<BenchSync, number[]>(settings.map((s) => [s, []]));
  const insert = new Map<BenchSync, number[]>(settings.map((s) => [s, []]));
  const rate = (ms: number) => ((requests * SPANS_PER_REQUEST) / ms) * 1000;
  // warm-up (JIT, page cache), not counted
  for (const sync of settings) await runPipeline(kongPayloads(Math.max(20, requests / 10), 1), 'sqlite', sync);
  for (let i = 0; i < reps; i++) {
    for (const sync of i % 2 ? [...settings].reverse() : settings) {
      pipeline.get(sync)!.push(rate((await runPipeline(payloads, 'sqlite', sync)).ms));
      insert.get(sync)!.push(rate(await runInsert(payloads, 'sqlite', sync)));
    }
  }
  const note = `databases on ${fileSystemOf(os.tmpdir())}; median of ${reps} alternating runs of ${requests} requests`;
  const out: Result[] = [];
  for (const [what, runs] of [
    ['pipeline', pipeline],
    ['store.write', insert],
  ] as const) {
    const normal = median(runs.get('normal')!);
    const baseline = { name: 'synchronous = NORMAL', value: normal, unit: 'spans/s' };
    const full = median(runs.get('full')!);
    const inline = median(runs.get('sqlite-full')!);
    const res: Result = {
      section: 'durability',
      metric: `SQLite ${what}: FULL, fsync off the loop (default)`,
      value: full,
      unit: 'spans/s',
      baseline,
      ratio: full / normal,
    };
    if (runs === pipeline) {
      res.target = `≥${AFFORDABLE}× NORMAL (FULL is the default)`;
      res.status = status(full / normal >= AFFORDABLE);
      res.note = note;
    }
    out.push(res, {
      section: 'durability',
      metric: `SQLite ${what}: SQLite's FULL, fsync in the commit`,
      value: inline,
      unit: 'spans/s',
      baseline,
      ratio: inline / normal,
    });
  }
  return out;
}
