import vm from 'node:vm';
import type { AttributeValue, Attributes, SamplingRule } from '../../common/api';
import { FIELD_DEFS } from './fields';
import {
  compileRule,
  makeRuleInput,
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING,
  SAMPLER_FIELDS,
  validateExpression,
} from './index';
import { Gen, prng } from '../testing/fuzz';

/*
 * Bounded fuzz of the rule engine: grammar-aware random expressions plus byte-level mutations
 * through validateExpression and compileRule, and the compiled matchers run on random inputs.
 * Never a throw; errors carry 0 <= start <= end <= length; every call finishes (each runs under
 * a vm timeout, which interrupts even a backtracking RegExp, so a hang is reported, not waited on).
 * Fixed seed by default; widen with FUZZ_SEED=<n> FUZZ_MS=<ms> npx jest server/rules/fuzz.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const BUDGET_MS = Number(process.env.FUZZ_MS ?? 4000);
/** far above any sane call; only an exponential blow-up reaches it */
const CALL_LIMIT_MS = 2000;

/** runs fn, throwing if it takes longer than CALL_LIMIT_MS (synchronous code included) */
const sandbox = vm.createContext({ fn: undefined as unknown });
const callFn = new vm.Script('fn()');
function bounded<T>(fn: () => T, limitMs = CALL_LIMIT_MS): T {
  sandbox.fn = fn;
  return callFn.runInContext(sandbox, { timeout: limitMs }) as T;
}

const FIELD_NAMES = [
  ...SAMPLER_FIELDS.flatMap((f) => [f.name, ...f.aliases]),
  'http.headers.x_foo',
  'nope',
  'a.b.c',
  'net.src',
  '_x',
];
const OPS = ['==', '!=', '~', '^=', '=^', '>=', '>', '<=', '<', 'in', 'not in', 'contains', '=', '===', '=~'];
const REGEX_ATOMS = [
  'a',
  '.',
  '\\d',
  '\\w',
  '\\s',
  '[a-z]',
  '[^/]',
  '(?i)',
  '\\b',
  '^',
  '$',
  '\\.',
  '[[:alpha:]]',
  '\\p{L}',
  '(?:x)',
  '(?P<n>y)',
  '\\x41',
  '\\u{1F600}',
  '[',
  ')',
  '(?=x)',
  '\\1',
];
const REGEX_QUANTS = ['', '', '*', '+', '?', '{2}', '{1,3}', '{,2}', '*?', '{99999}'];

function regex(g: Gen, depth = 0): string {
  let s = '';
  for (let i = 1 + g.int(4); i > 0; i--) {
    const atom =
      depth < 2 && g.chance(0.25)
        ? `(${regex(g, depth + 1)}${g.chance(0.3) ? `|${regex(g, depth + 1)}` : ''})`
        : g.pick(REGEX_ATOMS);
    s += atom + g.pick(REGEX_QUANTS);
  }
  return s;
}

function stringLiteral(g: Gen, body: string): string {
  if (g.chance(0.5)) return `r#"${body}"#`;
  return `"${body.replace(/\\/g, g.chance(0.8) ? '\\\\' : '\\').replace(/"/g, '\\"')}"`;
}

function literal(g: Gen): string {
  switch (g.int(9)) {
    case 0:
      return stringLiteral(g, g.pick(['/v1', '', 'GET', 'ü', '😀', 'a"b', '\\n', 'x'.repeat(g.int(100))]));
    case 1:
      return stringLiteral(g, regex(g));
    case 2:
      return String(g.pick([0, 1, -1, 200, 500, 65535, 2 ** 53, 2 ** 63, -(2 ** 63)]));
    case 3:
      return g.pick([
        '0x1F',
        '0xZZ',
        '017',
        '08',
        '9223372036854775807',
        '9223372036854775808',
        '-9223372036854775809',
        '1e3',
        '1.5',
      ]);
    case 4:
      return g.pick([
        '10.0.0.1',
        '255.255.255.255',
        '256.1.1.1',
        '::1',
        'fe80::1%eth0',
        '::ffff:10.0.0.1',
        '1:2:3:4:5:6:7:8:9',
      ]);
    case 5:
      return g.pick(['10.0.0.0/8', '0.0.0.0/0', '10.0.0.0/33', '::/0', '2001:db8::/129', '10.0.0.1/']);
    case 6:
      return `"${g.pick(['\\t', '\\r', '\\q', '\\u0041', '\\'])}"`;
    case 7:
      return g.pick(['true', 'null', 'x', '""', "'single'", '']);
    default:
      return stringLiteral(g, `^/${regex(g)}$`);
  }
}

function expression(g: Gen, depth: number): string {
  if (depth > 0 && g.chance(0.45)) {
    const wrap = (e: string) => (g.chance(0.5) ? `(${e})` : g.chance(0.5) ? `!(${e})` : e);
    return wrap(`${expression(g, depth - 1)} ${g.pick(['&&', '||', '&', '|', 'and'])} ${expression(g, depth - 1)}`);
  }
  if (g.chance(0.5)) return wellTyped(g);
  let lhs = g.pick(FIELD_NAMES);
  if (g.chance(0.15)) lhs = `${g.pick(['lower', 'upper', 'any', 'lower'])}(${lhs})`;
  const ws = () => g.pick(['', ' ', ' ', '  ', '\t', '\n']);
  return `${lhs}${ws()}${g.pick(OPS)}${ws()}${literal(g)}`;
}

/** a predicate that type-checks (so the compiler and the matchers get exercised) */
function wellTyped(g: Gen): string {
  const f = g.pick(SAMPLER_FIELDS);
  const name = g.chance(0.2) && f.aliases.length > 0 ? g.pick(f.aliases) : f.name;
  if (f.type === 'Int')
    return `${name} ${g.pick(['==', '!=', '>', '>=', '<', '<='])} ${g.pick(['0', '200', '499', '0x1f4', '-1', '017'])}`;
  if (f.type === 'IpAddr')
    return g.chance(0.5)
      ? `${name} ${g.pick(['in', 'not in'])} ${g.pick(['10.0.0.0/8', '::/0', '0.0.0.0/0', 'fe80::/10'])}`
      : `${name} ${g.pick(['==', '!='])} ${g.pick(['10.0.0.1', '::1'])}`;
  const op = g.pick(['==', '!=', '^=', '=^', 'contains', '~', '~']);
  const lhs = g.chance(0.2) ? `lower(${name})` : name;
  return `${lhs} ${op} ${op === '~' ? `r#"${regex(g)}"#` : `"${g.pick(['/v1', 'GET', '', 'a', 'é', '42'])}"`}`;
}

const NOISE = ['(', ')', '"', '\\', '!', '&', '|', '#', 'r', '~', '=', ' ', '\u0000', '\ud800', '😀', 'é', '/', '0'];

function mutate(g: Gen, s: string): string {
  for (let r = 1 + g.int(3); r > 0; r--) {
    const pos = g.int(s.length + 1);
    switch (g.int(6)) {
      case 0:
        s = s.slice(0, pos) + g.pick(NOISE) + s.slice(pos);
        break;
      case 1:
        s = s.slice(0, pos) + s.slice(pos + 1 + g.int(5));
        break;
      case 2:
        s = s.slice(0, pos);
        break;
      case 3:
        s = s.slice(0, pos) + String.fromCharCode(g.int(0x10000)) + s.slice(pos + 1);
        break;
      case 4:
        s = s + s.slice(g.int(s.length + 1));
        break;
      default:
        s = s.slice(0, pos) + s.slice(g.int(s.length + 1), g.int(s.length + 1)) + s.slice(pos);
    }
  }
  return s;
}

function source(g: Gen): string {
  const roll = g.int(20);
  if (roll === 0)
    return '('.repeat(MAX_NESTING - 2 + g.int(6)) + expression(g, 0) + ')'.repeat(MAX_NESTING - 2 + g.int(6));
  if (roll === 1) return '!('.repeat(20 + g.int(50)) + expression(g, 0) + ')'.repeat(20 + g.int(50));
  if (roll === 2)
    return Array.from({ length: 200 + g.int(200) }, () => expression(g, 0))
      .join(' && ')
      .slice(0, MAX_EXPRESSION_LENGTH - 50 + g.int(100));
  if (roll === 3) return Array.from({ length: g.int(60) }, () => String.fromCharCode(g.int(128))).join('');
  const e = expression(g, 1 + g.int(3));
  return g.chance(0.4) ? mutate(g, e) : e;
}

const SOURCES = [...new Set(FIELD_DEFS.flatMap((d) => d.sources ?? []))];

function attributeValue(g: Gen): AttributeValue {
  switch (g.int(8)) {
    case 0:
      return g.int(600);
    case 1:
      return g.pick(['10.0.0.1', '::1', '300.1.1.1', 'fe80::1', '']);
    case 2:
      return g.pick([
        'GET',
        'post',
        'ÜBER',
        'https://x.example/a/b?q=1',
        '/aaaaaaaaaaaaaaaaaaaa',
        '/v1/orders/42',
        'not a url',
      ]);
    case 3:
      return `/${Array.from({ length: g.int(60) }, () => g.pick(['a', 'b', '/', '1', '.', 'x', ' ', 'é'])).join('')}`;
    case 4:
      return g.pick([true, null, 1.5, -1, 2 ** 63, Number.NaN]);
    case 5:
      return [g.int(3), 'x'];
    case 6:
      return { nested: 'x' };
    default:
      return String(g.int(1e9));
  }
}

function attributes(g: Gen): Attributes {
  const a: Attributes = {};
  for (let i = g.int(12); i > 0; i--) a[g.pick(SOURCES)] = attributeValue(g);
  return a;
}

function checkErrors(src: string, errors: unknown): void {
  expect(Array.isArray(errors)).toBe(true);
  for (const e of errors as { message: unknown; start: number; end: number }[]) {
    expect(typeof e.message).toBe('string');
    expect((e.message as string).length).toBeGreaterThan(0);
    if (!(
      Number.isInteger(e.start) &&
      Number.isInteger(e.end) &&
      e.start >= 0 &&
      e.start <= e.end &&
      e.end <= src.length
    )) {
      throw new Error(
        `bad error span ${e.start}..${e.end} for ${JSON.stringify(src)} (length ${src.length}): ${String(e.message)}`
      );
    }
  }
}

it(
  `random and mutated rules validate, compile and evaluate without throwing (seed ${SEED}, ${BUDGET_MS} ms)`,
  () => {
    const g = new Gen(prng(SEED));
    const deadline = Date.now() + BUDGET_MS;
    let n = 0;
    let valid = 0;
    for (; Date.now() < deadline; n++) {
      const src = source(g);
      const where = `seed ${SEED} case ${n}: ${JSON.stringify(src)}`;
      let v: ReturnType<typeof validateExpression>;
      let c: ReturnType<typeof compileRule>;
      try {
        v = bounded(() => validateExpression(src));
        c = bounded(() => compileRule({ type: 'advanced', expression: src }));
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
      expect(typeof v.valid).toBe('boolean');
      checkErrors(src, v.errors);
      if (v.valid) expect(v.errors).toEqual([]);
      else expect(v.errors.length).toBeGreaterThan(0);
      // validate and compile agree
      expect([where, c.ok]).toEqual([where, v.valid]);
      if (!c.ok) {
        checkErrors(src, c.errors);
        continue;
      }
      valid++;
      const matcher = c.matcher;
      for (let k = 0; k < 5; k++) {
        const attrs = attributes(g);
        const res = attributes(g);
        let out: unknown;
        try {
          out = bounded(() => matcher(makeRuleInput(attrs, res)));
        } catch (e) {
          throw new Error(`${where} on ${JSON.stringify({ attrs, res })}: ${(e as Error).message}`);
        }
        expect(typeof out).toBe('boolean');
      }
    }
    expect(n).toBeGreaterThan(200);
    // the generator reaches the compiler, not only the parser's error paths
    expect(valid).toBeGreaterThan(n / 20);
  },
  BUDGET_MS + 30_000
);

it('odd rule objects are refused with an error, never a throw', () => {
  const odd: unknown[] = [
    null,
    undefined,
    1,
    'x',
    [],
    {},
    { type: 'advanced' },
    { type: 'advanced', expression: 5 },
    { type: 'advanced', expression: null },
    { type: 'basic' },
    { type: 'basic', routeIds: 'x' },
    { type: 'basic', routeIds: [1] },
    { type: 'basic', routeIds: [''] },
    { type: 'basic', serviceIds: [null] },
    { type: 'basic', routeIds: [], serviceIds: [] },
    { type: 'ADVANCED', expression: 'a == 1' },
    { type: 'basic', routeIds: { length: 1, 0: 'x' } },
    Object.create(null),
  ];
  for (const rule of odd) {
    const c = compileRule(rule as SamplingRule);
    expect(c.ok).toBe(false);
    if (!c.ok) checkErrors('', c.errors);
  }
  for (const src of [undefined, null, 1, {}, []])
    expect(validateExpression(src as unknown as string).valid).toBe(false);
});

it('rule length and nesting limits answer with a precise error', () => {
  const long = `http.path == "${'a'.repeat(MAX_EXPRESSION_LENGTH)}"`;
  const v = validateExpression(long);
  expect(v.valid).toBe(false);
  expect(v.errors[0].message).toBe(`expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  checkErrors(long, v.errors);
  const deep = `${'('.repeat(MAX_NESTING + 1)}http.path == "/"${')'.repeat(MAX_NESTING + 1)}`;
  const d = validateExpression(deep);
  expect(d.valid).toBe(false);
  expect(d.errors[0].message).toBe(`expression nests deeper than ${MAX_NESTING} levels`);
  checkErrors(deep, d.errors);
});

/*
 * Shapes a backtracking engine runs in exponential time (issue 16). Rust's regex crate, which Kong
 * uses, accepts them and is linear; so must we: they compile, and the matcher finishes on a hostile path.
 */
describe.each([
  ['http.path ~ "(a|a)*b"', `/${'a'.repeat(40)}`],
  ['http.path ~ r#"^/(a|aa)+$"#', `/${'a'.repeat(80)}!`],
  ['http.path ~ r#"(a+)+b"#', `/${'a'.repeat(5000)}`],
])('catastrophic regex %s', (expression, path) => {
  it('is accepted, and its matcher finishes on a hostile path', () => {
    const c = compileRule({ type: 'advanced', expression });
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    const input = makeRuleInput({ 'url.path': path });
    // 2^40 backtracking steps: far beyond 1 s on any machine, a linear engine needs microseconds
    expect(bounded(() => c.matcher(input), 1000)).toBe(false);
  });
});

/*
 * Known bug (server/rules/parser.ts:195, not ours to fix; found by this fuzz with FUZZ_SEED=3):
 * a string literal ending in a lone backslash at the end of the input reports its error span as
 * pos..pos+2, one past the end of the expression. Fix: clamp with Math.min(pos + 2, src.length)
 * (or report "unterminated string"). Remove `.failing` once fixed.
 */
it('a lone backslash at the end of a string literal keeps the error span inside the expression', () => {
  const src = 'http.path == "\\';
  checkErrors(src, validateExpression(src).errors);
});
