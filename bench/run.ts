/*
 * `npm run bench`: the benchmark suite of issue 4 for what exists today. Every figure is measured
 * in the same run as its baseline and printed next to its target; the same rows are written as
 * JSON (bench/results/latest.json) so runs can be compared.
 *
 *   npm run bench -- [--traces N] [--only ingest,rules,analysis,query,plugin,rss] [--stores sqlite,postgres] [--out FILE]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchAnalysis } from './analysis';
import { benchDurability } from './durability';
import { benchFrames } from './frames';
import { benchIngest } from './ingest';
import { benchQuery } from './query';
import { benchRules } from './rules';
import { benchRss } from './rss';
import { postgresUnavailable, STORE_KINDS, STORE_LABEL, type StoreKind } from './stores';
import { fmtNum, type Result, type Status } from './util';

const SECTIONS = ['ingest', 'durability', 'rules', 'analysis', 'query', 'plugin', 'rss'] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  traces: number;
  ingestRequests: number;
  ruleIterations: number;
  frameReps: number;
  only: Set<Section>;
  /** the stores the ingest and query sections run on */
  stores: StoreKind[];
  out: string;
}

const USAGE = `usage: npm run bench -- [--traces N] [--ingest-requests N] [--rule-iterations N] [--frame-reps N]
                        [--only ${SECTIONS.join(',')}] [--stores ${STORE_KINDS.join(',')}] [--out FILE]`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    traces: 100_000,
    ingestRequests: 1000,
    ruleIterations: 3_000_000,
    frameReps: 20,
    only: new Set(SECTIONS),
    stores: [...STORE_KINDS],
    out: path.join(__dirname, 'results', 'latest.json'),
  };
  const int = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} needs a whole number from ${min} to ${max}; got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--traces') o.traces = int(a, v, 10_000, 10_000_000);
    else if (a === '--ingest-requests') o.ingestRequests = int(a, v, 10, 100_000);
    else if (a === '--rule-iterations') o.ruleIterations = int(a, v, 1000, 1_000_000_000);
    else if (a === '--frame-reps') o.frameReps = int(a, v, 1, 10_000);
    else if (a === '--only') {
      const names = (v ?? '').split(',').filter(Boolean);
      for (const n of names) if (!SECTIONS.includes(n as Section)) throw new Error(`--only: unknown section "${n}"; use ${SECTIONS.join(', ')}`);
      o.only = new Set(names as Section[]);
    } else if (a === '--stores') {
      const names = (v ?? '').split(',').filter(Boolean);
      for (const n of names) if (!STORE_KINDS.includes(n as StoreKind)) throw new Error(`--stores: unknown store "${n}"; use ${STORE_KINDS.join(', ')}`);
      o.stores = names as StoreKind[];
    } else if (a === '--out') {
      if (!v) throw new Error('--out needs a file name');
      o.out = path.resolve(v);
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
    i++;
  }
  return o;
}

function fmtValue(v: number | null, unit: string): string {
  if (v === null) return '—';
  if (unit === 'ms') return `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
  if (unit === 'MB') return `${v.toFixed(0)} MB`;
  if (unit === '×') return `${v.toFixed(2)}×`;
  return `${fmtNum(v)} ${unit}`;
}

/** how the table shows a target's status */
const STATUS_LABEL: Record<Status, string> = { met: 'PASS', missed: 'MISS', 'n/a': 'n/a', '': '' };

export function formatTable(results: Result[]): string {
  const head = ['section', 'metric', 'value', 'baseline', 'ratio', 'target', 'status'];
  const rows = results.map((r) => [
    r.section,
    r.metric,
    r.value === null ? r.note ?? '—' : fmtValue(r.value, r.unit),
    r.baseline ? `${r.baseline.name}: ${fmtValue(r.baseline.value, r.baseline.unit)}` : '',
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '',
    r.target ?? '',
    STATUS_LABEL[r.status ?? ''],
  ]);
  const widths = head.map((h, i) => Math.min(i === 1 ? 60 : 70, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-')];
  for (const [i, r] of rows.entries()) {
    out.push(line(r));
    const note = results[i].note;
    if (note && results[i].value !== null) out.push(`${''.padEnd(widths[0])} |   ↳ ${note}`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (s: string) => console.error(s);
  const results: Result[] = [];
  const started = Date.now();
  const step = async (name: Section, fn: () => Result[] | Promise<Result[]>) => {
    if (!o.only.has(name)) return;
    const t0 = Date.now();
    log(`bench: ${name}…`);
    results.push(...(await fn()));
    log(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  await step('ingest', () => benchIngest(o.ingestRequests, o.stores));
  await step('durability', () => benchDurability(o.ingestRequests));
  await step('rules', () => benchRules(o.ruleIterations));
  await step('analysis', () => benchAnalysis(30));
  await step('query', async () => {
    const out: Result[] = [];
    for (const kind of o.stores) {
      const why = kind === 'postgres' ? await postgresUnavailable() : undefined;
      if (why) out.push({ section: 'query', metric: STORE_LABEL[kind], value: null, unit: '', note: `n/a — ${why}`, status: 'n/a' });
      else out.push(...(await benchQuery(o.traces, log, kind)));
    }
    return out;
  });
  await step('plugin', () => benchFrames(o.frameReps));
  await step('rss', () => benchRss({ sustainSeconds: 5, overloadSeconds: 10, log }));

  const meta = {
    date: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    node: process.version,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    // other work on the machine skews every figure; the load average at the end says how much there was
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    tracesStored: o.only.has('query') ? o.traces : undefined,
    options: { ...o, only: [...o.only], out: undefined },
  };
  console.log(`\nkong-debugger benchmarks — ${meta.date}, Node ${meta.node}, ${meta.cpus}, load average ${meta.loadAverage.join(' ')}`);
  if (o.only.has('query')) console.log(`query figures with ${o.traces.toLocaleString('en-US')} stored traces (issue-4 targets are for 1,000,000: --traces 1000000)`);
  console.log('');
  console.log(formatTable(results));
  const missed = results.filter((r) => r.status === 'missed').length;
  const met = results.filter((r) => r.status === 'met').length;
  console.log(`\ntargets: ${met} PASS, ${missed} MISS; ${meta.durationSeconds} s`);
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify({ meta, results }, null, 2) + '\n');
  console.log(`written to ${path.relative(process.cwd(), o.out)}`);
}

main().catch((e) => {
  console.error(`bench failed: ${(e as Error).message}`);
  process.exit(1);
});
