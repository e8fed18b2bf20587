import { summarizeSession, type TraceDigest } from '../../common/lifecycle';
import { summarizeJoinedDigests, summarizeStoredDigests } from './digest-summary';
import { prng as random } from '../testing/fuzz';
import { storedDigest, toDigest } from './rows';

const KEYS = [
  'clientOut', 'upstreamIn', 'upstreamOut', 'clientIn', 'access.key-auth', 'access.rate-limiting', 'access.ext-authz', 'rewrite.pre-function',
  'certificate.mtls', 'header_filter.cors', 'header_filter.opentelemetry', 'body_filter.gzip', 'response.transformer', 'log.http-log',
  // odd but possible names: numeric, dotted, escaped, prototype names, no phase
  'access.5', 'access.12', 'access.a.b', 'access.', 'access.é', 'access."q"', 'access.back\\slash', 'access.line\nbreak', 'access.a,b|c',
  '__proto__', 'log.__proto__', '__proto__.c', 'constructor.d', '.x', '12', 'weird', '',
];
const LATENCY = ['totalMs', 'internalMs', 'upstreamMs', 'thirdPartyMs', 'clientMs'] as const;

function numberOf(r: () => number): number {
  const kind = Math.floor(r() * 12);
  switch (kind) {
    case 0: return Math.floor(r() * 100);
    case 1: return Math.floor(r() * 1e12);
    case 2: return Math.round(r() * 1e6) / 1e3;
    case 3: return r() * 1000; // 16-17 digits
    case 4: return -Math.floor(r() * 1e4) / 100;
    case 5: return 1e21 * (1 + Math.floor(r() * 9)); // written with an exponent
    case 6: return Math.floor(r() * 9 + 1) * 1e-7;
    case 7: return [NaN, Infinity, -Infinity][Math.floor(r() * 3)]; // stored as null
    case 8: return 0;
    default: return Math.floor(r() * 1e8);
  }
}

function shuffled<T>(list: readonly T[], r: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** a digest of random keys (in random order) and values; `keys` fixes the shape, as the traces of one route share it */
function digestOf(r: () => number, keys?: string[]): TraceDigest {
  const nodeKeys = keys ?? shuffled(KEYS, r).slice(0, Math.floor(r() * 12));
  const latency: TraceDigest['latency'] = {};
  for (const k of LATENCY) if (keys ? k !== 'clientMs' : r() < 0.7) latency[k] = numberOf(r);
  const d: TraceDigest = {
    traceId: 'a'.repeat(32),
    startTimeMs: 1,
    dialect: r() < 0.5 ? 'oss' : 'enterprise',
    latency,
    // fromEntries: own properties even for '__proto__', as JSON.parse makes them
    nodes: Object.fromEntries(nodeKeys.map((k) => [k, numberOf(r)])),
  };
  if (r() < 0.8) d.spanErrors = Math.floor(r() * 4);
  return d;
}

/** digests as rows hold them: mostly the compact form, some stored as objects before it, some odd hand-made ones */
const ODD = [
  '[1,2,{"access.b":1,"access":{"b":2}},3]', // one key twice once unpacked
  '[0,null,{"x.y":{"z":1}},4]', // a dotted phase
  '[0,null,{"":{"z":1}, ".z": 2},4]',
  '[0,0,{"access":{"k":"str"}},"5",{}]',
  '[0,0]',
  'null',
  '{"nodes":{"access.k":1},"latency":{"totalMs":2}}',
  '[0,0,[1,2],3]',
  '[0,0,{"access":{"k":1}},1,2,3,4,5,6,7]',
  '[0,0,{"access":{"k":1e400,"j":-0,"i":1.0,"h":1E+2}},2.50]',
  '[0, 0, {"access": {"k": 1}}, 5]',
  '[0,0,{"access":{"5":1,"k":2}},1]', // an index-like key written after another
  '[0,0,{"clientOut":7,"access":{"k":1}},1]',
  '[0,0,{"clientOut":7,"access":{"k":1}},01]', // not JSON
];

function storedRows(r: () => number, n: number): { texts: string[]; digests: TraceDigest[] } {
  const shapes = Array.from({ length: 3 }, () => shuffled(KEYS.slice(0, 14), r).slice(0, 3 + Math.floor(r() * 8)));
  const texts: string[] = [];
  const digests: TraceDigest[] = [];
  for (let i = 0; i < n; i++) {
    const p = r();
    const d = digestOf(r, p < 0.6 ? shapes[Math.floor(r() * shapes.length)] : undefined);
    digests.push(d);
    if (p < 0.95) texts.push(JSON.stringify(storedDigest(d)));
    else if (p < 0.98) texts.push(JSON.stringify({ dialect: d.dialect, latency: d.latency, nodes: d.nodes, spanErrors: d.spanErrors }));
    else texts.push(ODD[Math.floor(r() * (ODD.length - 1))]); // every odd one but the invalid
  }
  return { texts, digests };
}

/** the straightforward summary: each row read into a digest, then summarizeSession */
const straight = (texts: string[]) => summarizeSession('s', texts.map((digest) => toDigest({ trace_id: 'a'.repeat(32), start_ms: 1, digest })));

describe('summary from stored digests (the read path of GET /sessions/{id}/summary)', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives what summarizeSession over toDigest gives, random digests (seed %d)', (seed) => {
    const r = random(seed);
    const { texts } = storedRows(r, 300 + Math.floor(r() * 700));
    const want = straight(texts);
    const got = summarizeStoredDigests('s', texts);
    expect(got).toStrictEqual(want);
    expect(JSON.stringify(got)).toBe(JSON.stringify(want)); // the same key order too
    expect(Object.keys(got.nodes).length).toBeGreaterThan(3);
    const joined = summarizeJoinedDigests('s', texts.join('\n'), texts.length);
    expect(JSON.stringify(joined)).toBe(JSON.stringify(want));
  });

  it.each([11, 12, 13])('gives what summarizeSession gives over the digests before they were stored (seed %d)', (seed) => {
    const r = random(seed);
    const digests = Array.from({ length: 500 }, () => digestOf(r, r() < 0.5 ? ['clientOut', 'access.key-auth', 'access.5', 'header_filter.cors', '__proto__', '12'] : undefined));
    const got = summarizeStoredDigests('s', digests.map((d) => JSON.stringify(storedDigest(d))));
    // the same values; the key order may differ as it does through toDigest: a stored phase lists an index-like
    // plugin name ('5') first, as every JS object does
    expect(got).toStrictEqual(summarizeSession('s', digests));
  });

  it('reads each odd digest as toDigest does, alone and after digests of the same shape', () => {
    for (const odd of ODD.slice(0, -1)) {
      expect(summarizeStoredDigests('s', [odd])).toStrictEqual(straight([odd]));
      const mixed = ['[0,0,{"clientOut":7,"access":{"k":1}},1]', '[0,0,{"clientOut":8,"access":{"k":2}},1.5]', odd, '[0,0,{"clientOut":9,"access":{"k":3}},2]'];
      expect(JSON.stringify(summarizeStoredDigests('s', mixed))).toBe(JSON.stringify(straight(mixed)));
    }
  });

  it('fails on a digest that is not JSON as toDigest does, whether a template was made or not', () => {
    const bad = ODD[ODD.length - 1];
    expect(() => straight([bad])).toThrow(SyntaxError);
    expect(() => summarizeStoredDigests('s', [bad])).toThrow(SyntaxError);
    expect(() => summarizeStoredDigests('s', ['[0,0,{"clientOut":7,"access":{"k":1}},1]', bad])).toThrow(SyntaxError);
  });

  it('joined digests: nothing is zero digests; a text that does not split into the count gives undefined (read them one by one)', () => {
    expect(summarizeJoinedDigests('s', null, 0)).toStrictEqual({ sessionId: 's', traceCount: 0, latency: {}, nodes: {} });
    expect(summarizeJoinedDigests('s', '[0,\n0,{}]', 1)).toBeUndefined();
    expect(summarizeJoinedDigests('s', '[0,0,{}]', 2)).toBeUndefined();
    expect(summarizeJoinedDigests('s', '[0,0,{"clientOut":1}]\n[0,0,{"clientOut":2}]', 2)?.nodes.clientOut).toMatchObject({ count: 2, maxNs: 2 });
  });

  it('keeps up to the last digit: 17-digit decimals, exponents, negative values', () => {
    const texts = ['[0,0,{"clientOut":12345678901234567,"access":{"k":0.1}},51.428402000000006,-0.001,1e-7,2.5e+21,123456789012345.6]'];
    const s = summarizeStoredDigests('s', texts);
    expect(s).toStrictEqual(straight(texts));
    expect(s.nodes.clientOut.maxNs).toBe(12345678901234567);
    expect(s.latency.totalMs?.maxNs).toBe(Math.round(51.428402000000006 * 1e6));
  });
});
