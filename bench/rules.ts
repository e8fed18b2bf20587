/*
 * Rule evaluation rate, including makeRuleInput (as the pipeline pays it per root span), against a
 * hand-written JS function doing the same checks on the same attribute objects.
 */
import type { Attributes } from '../common/api';
import { compileRule, makeRuleInput, type Matcher } from '../server/rules';
import { nowMs, status, type Result } from './util';

export const SIMPLE_RULE = 'http.response.status_code >= 500';
export const COMPLEX_RULE = 'http.response.status_code >= 500 && http.path ^= "/v1" && client.address in 10.0.0.0/8';
export const REGEX_RULE = 'http.path ~ r#"^/v[12]/(orders|users)/\\d+$"#';

/** Kong 3.10-style root attributes, varied so every clause is sometimes true and sometimes false. */
function inputs(n: number): { attrs: Attributes[]; resource: Attributes } {
  const statuses = [200, 201, 404, 500, 503, 502];
  const paths = ['/v1/orders/42', '/v2/orders/42', '/v1/users', '/health'];
  const clients = ['10.0.0.7', '10.200.3.4', '192.168.1.9', '203.0.113.42'];
  const attrs: Attributes[] = [];
  for (let i = 0; i < n; i++) {
    attrs.push({
      'http.request.method': 'GET',
      'url.full': `https://api.example.com${paths[(i >> 1) % paths.length]}?x=${i}`,
      'http.response.status_code': statuses[i % statuses.length],
      'client.address': clients[(i >> 2) % clients.length],
      'proxy.kong.latency.total': 12,
      'proxy.kong.route.id': 'r-1',
      'kong.request.id': `req-${i}`,
    });
  }
  return { attrs, resource: { 'service.name': 'kong', 'service.version': '3.10.0.0' } };
}

// ---- hand-written baselines: same sources (current name, then Kong 3.9's) as the sampler fields ----

function statusOf(a: Attributes): number | undefined {
  const v = a['http.response.status_code'] ?? a['http.status_code'];
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : undefined;
}

function pathOf(a: Attributes): string | undefined {
  const p = a['url.path'];
  if (typeof p === 'string') return p;
  const u = a['url.full'] ?? a['http.url'];
  if (typeof u !== 'string') return undefined;
  const scheme = u.indexOf('://');
  const slash = u.indexOf('/', scheme < 0 ? 0 : scheme + 3);
  if (slash < 0) return '/';
  const q = u.indexOf('?', slash);
  return q < 0 ? u.slice(slash) : u.slice(slash, q);
}

function ipv4(s: string): number {
  let n = 0;
  let part = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      n = (n << 8) | part;
      part = 0;
      dots++;
    } else if (c >= 48 && c <= 57) part = part * 10 + (c - 48);
    else return -1;
  }
  return dots === 3 ? ((n << 8) | part) >>> 0 : -1;
}

function handSimple(a: Attributes): boolean {
  const s = statusOf(a);
  return s !== undefined && s >= 500;
}

function handComplex(a: Attributes): boolean {
  const s = statusOf(a);
  if (s === undefined || s < 500) return false;
  const p = pathOf(a);
  if (p === undefined || !p.startsWith('/v1')) return false;
  const c = a['client.address'] ?? a['http.client_ip'];
  if (typeof c !== 'string') return false;
  const ip = ipv4(c);
  return ip >= 0 && ip >>> 24 === 10;
}

const PATH_RE = /^\/v[12]\/(orders|users)\/\p{Nd}+$/u;

function handRegex(a: Attributes): boolean {
  const p = pathOf(a);
  return p !== undefined && PATH_RE.test(p);
}

function measure(iterations: number, fn: (i: number) => boolean): { rate: number; hits: number } {
  let hits = 0;
  // best of three: the first pass also warms the JIT
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = nowMs();
    for (let i = 0; i < iterations; i++) if (fn(i)) hits++;
    best = Math.min(best, nowMs() - t0);
  }
  return { rate: (iterations / best) * 1000, hits };
}

function compiled(expr: string): Matcher {
  const r = compileRule({ type: 'advanced', expression: expr });
  if (!r.ok) throw new Error(`benchmark rule does not compile: ${r.errors[0]?.message}`);
  return r.matcher;
}

export function benchRules(iterations: number): Result[] {
  const { attrs, resource } = inputs(1024);
  const out: Result[] = [];
  for (const [label, expr, hand] of [
    ['simple', SIMPLE_RULE, handSimple],
    ['three-clause', COMPLEX_RULE, handComplex],
    ['regex', REGEX_RULE, handRegex],
  ] as const) {
    const m = compiled(expr);
    // same verdicts, or the comparison is meaningless
    for (const a of attrs) if (m(makeRuleInput(a, resource)) !== hand(a)) throw new Error(`hand-written ${label} rule disagrees with the engine`);
    const engine = measure(iterations, (i) => m(makeRuleInput(attrs[i & 1023], resource)));
    const base = measure(iterations, (i) => hand(attrs[i & 1023]));
    const r: Result = {
      section: 'rules',
      metric: `${label} rule (incl. makeRuleInput)`,
      value: engine.rate,
      unit: 'evals/s',
      baseline: { name: 'hand-written JS', value: base.rate, unit: 'evals/s' },
      ratio: engine.rate / base.rate,
      note: expr,
    };
    if (label === 'three-clause') {
      r.target = '≥2,000,000 evals/s';
      r.status = status(engine.rate >= 2_000_000);
    }
    out.push(r);
  }
  return out;
}
