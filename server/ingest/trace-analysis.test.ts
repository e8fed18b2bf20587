import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spanDifferences, traceStatistics } from '../../common/analysis';
import { analyzeTrace, buildLifecycleMap, digestTrace, latencyBreakdown, traceSummary } from '../../common/lifecycle';
import { detectDialect, findRoot, requestIdOf, traceFacts } from '../../common/spans';
import { baseTraces, traceCorpus, type CorpusTrace } from '../testing/trace-corpus';
import { toTraceRow } from './api-shapes';

/**
 * The per-trace analysis (the ingest path's `toTraceRow` → analyzeTrace + digestTrace, and the other
 * entry points over the same rules) gives exactly the results recorded in trace-analysis.expected.json
 * for every fixture trace of the repo and seeded variations of each (server/testing/trace-corpus.ts).
 * The file was recorded before the analysis was optimised (issue 17), so it proves the optimised code
 * computes the same results: same values, same key order, same thrown errors.
 *
 * One hash per base trace over it and all its variations keeps the file small. After an intended change
 * of results: `UPDATE_TRACE_ANALYSIS=1 npx jest server/ingest/trace-analysis`. To see what differs, run
 * with `TRACE_ANALYSIS_DUMP=<dir>` before and after the change and diff the two directories.
 */
const EXPECTED = path.join(__dirname, 'trace-analysis.expected.json');

/** Like JSON, but keeps what JSON loses: undefined-valued keys, -0, NaN, ±Infinity, functions, key order. */
function canonical(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'function':
      return `function ${v.name}`;
    case 'object': {
      if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
      const o = v as Record<string, unknown>;
      return `{${Object.keys(o)
        .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
        .join(',')}}`;
    }
    default:
      return String(v);
  }
}

function attempt(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    return { threw: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e) };
  }
}

function results(t: CorpusTrace, base: CorpusTrace): Record<string, unknown> {
  const { traceId, spans } = t;
  const analyzed = attempt(() => analyzeTrace(traceId, spans)) as ReturnType<typeof analyzeTrace> | { threw: string };
  return {
    analyzeTrace: analyzed,
    digestTrace: 'summary' in analyzed ? attempt(() => digestTrace(analyzed.summary)) : undefined,
    toTraceRow: attempt(() => toTraceRow(traceId, spans, t.resource ? { attributes: t.resource, scopeName: 'kong-internal', scopeVersion: '0.1.0' } : undefined)),
    traceSummary: attempt(() => traceSummary(traceId, spans)),
    traceFacts: attempt(() => traceFacts(spans)),
    buildLifecycleMap: attempt(() => buildLifecycleMap(spans)),
    latencyBreakdown: attempt(() => latencyBreakdown(spans)),
    traceStatisticsByName: attempt(() => traceStatistics(traceId, spans, 'name')),
    traceStatisticsByPlugin: attempt(() => traceStatistics(traceId, spans, 'plugin')),
    spanDifferences: attempt(() => spanDifferences(base.spans, spans)),
    findRoot: attempt(() => findRoot(spans)?.spanId),
    detectDialect: attempt(() => detectDialect(spans)),
    requestIdOf: attempt(() => requestIdOf(spans)),
    // the analysis must leave its input as it found it
    spansAfter: spans,
  };
}

function hashes(): { expected: Record<string, string>; dumps: Map<string, string> } {
  const bases = new Map(baseTraces().map((b) => [b.name, b]));
  const groups = new Map<string, string[]>();
  for (const t of traceCorpus()) {
    const baseName = t.name.split(' / ')[0];
    const line = `${t.name}\t${canonical(results(t, bases.get(baseName)!))}`;
    const g = groups.get(baseName);
    if (g) g.push(line);
    else groups.set(baseName, [line]);
  }
  const expected: Record<string, string> = {};
  const dumps = new Map<string, string>();
  for (const [name, lines] of groups) {
    const text = lines.join('\n');
    expected[name] = createHash('sha256').update(text).digest('hex').slice(0, 24);
    dumps.set(name, text);
  }
  return { expected, dumps };
}

describe('trace analysis over the fixture corpus', () => {
  const { expected: actual, dumps } = hashes();

  if (process.env.TRACE_ANALYSIS_DUMP) {
    const dir = process.env.TRACE_ANALYSIS_DUMP;
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of dumps) fs.writeFileSync(path.join(dir, `${name.replace(/[^\w.-]+/g, '_')}.txt`), `${text}\n`);
  }
  if (process.env.UPDATE_TRACE_ANALYSIS) fs.writeFileSync(EXPECTED, `${JSON.stringify(actual, null, 1)}\n`);

  it('covers every base trace the expected results name, and no other', () => {
    const expected = JSON.parse(fs.readFileSync(EXPECTED, 'utf8')) as Record<string, string>;
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(actual).length).toBeGreaterThan(100);
  });

  it.each(Object.keys(actual))('%s and its variations give the recorded results', (name) => {
    const expected = JSON.parse(fs.readFileSync(EXPECTED, 'utf8')) as Record<string, string>;
    expect(actual[name]).toBe(expected[name]);
  });
});
