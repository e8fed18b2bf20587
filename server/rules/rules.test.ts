import type { Attributes } from '../../common/api';
import { compileRule, makeRuleInput, SAMPLER_FIELDS, validateExpression } from './index';

const matches = (expression: string, attrs: Attributes): boolean => {
  const r = compileRule({ type: 'advanced', expression });
  if (!r.ok) throw new Error(`${expression}: ${JSON.stringify(r.errors)}`);
  return r.matcher(makeRuleInput(attrs));
};

const oss: Attributes = {
  'http.method': 'GET',
  'http.url': 'https://api.example.com/v1/orders/42?expand=items',
  'http.host': 'api.example.com',
  'http.scheme': 'https',
  'http.client_ip': '203.0.113.42',
  'net.peer.ip': '10.0.0.5',
  'http.status_code': 503,
  'http.route': '/v1/orders',
};

describe('operators × types', () => {
  it.each<[string, boolean]>([
    // String
    ['http.method == "GET"', true],
    ['http.method == "get"', false],
    ['http.method != "POST"', true],
    ['http.method != "GET"', false],
    ['http.path ^= "/v1"', true],
    ['http.path ^= "/v2"', false],
    ['http.path =^ "/42"', true],
    ['http.path contains "orders"', true],
    ['http.path contains ""', true],
    ['http.path ~ r#"^/v\\d+/orders/\\d+$"#', true],
    ['http.path ~ "orders"', true],
    ['http.path ~ "^orders"', false],
    ['lower(http.host) == "api.example.com"', true],
    ['lower(http.method) == "GET"', false],
    ['lower(http.method) == "get"', true],
    ['any(http.method) == "GET"', true],
    ['lower(any(http.method)) ~ "^g"', true],
    // Int
    ['http.response.status_code == 503', true],
    ['http.response.status_code != 503', false],
    ['http.response.status_code > 502', true],
    ['http.response.status_code > 503', false],
    ['http.response.status_code >= 503', true],
    ['http.response.status_code < 504', true],
    ['http.response.status_code <= 502', false],
    ['http.response.status_code == 0x1f7', true],
    ['http.response.status_code == 0767', true],
    ['http.response.status_code > -9223372036854775807', true],
    ['http.response.status_code < 9223372036854775807', true],
    // IpAddr
    ['client.address == 203.0.113.42', true],
    ['client.address != 203.0.113.42', false],
    ['client.address != 203.0.113.43', true],
    ['client.address in 203.0.113.0/24', true],
    ['client.address in 203.0.112.0/24', false],
    ['client.address not in 203.0.113.0/24', false],
    ['client.address not in 10.0.0.0/8', true],
    ['client.address in 0.0.0.0/0', true],
    ['network.peer.address in 10.0.0.5/32', true],
    // family mismatch: == and in false, not in true (peers.md §1.5)
    ['client.address == ::1', false],
    ['client.address in ::/0', false],
    ['client.address not in ::/0', true],
    ['client.address != ::1', true],
  ])('%s → %s', (expr, expected) => {
    expect(matches(expr, oss)).toBe(expected);
  });

  it('IPv6 values and CIDRs', () => {
    const a = { 'client.address': '2001:db8:0:0:1::42' };
    expect(matches('client.address in 2001:db8::/32', a)).toBe(true);
    expect(matches('client.address in 2001:db9::/32', a)).toBe(false);
    expect(matches('client.address == 2001:db8::1:0:0:42', a)).toBe(true);
    expect(matches('client.address in 10.0.0.0/8', a)).toBe(false);
    expect(matches('client.address not in 10.0.0.0/8', a)).toBe(true);
    expect(matches('client.address in 2001:db8:0:0:1::42/128', a)).toBe(true);
  });

  it('Unicode-aware regex classes like Rust', () => {
    expect(matches('http.path ~ r#"^/\\d+$"#', { 'url.full': 'https://h/٣' })).toBe(true);
    expect(matches('http.path ~ r#"^/\\w+$"#', { 'url.full': 'https://h/straße' })).toBe(true);
    expect(matches('http.path ~ r#"^/.$"#', { 'url.full': 'https://h/😀' })).toBe(true);
    expect(matches('http.method ~ r#"(?i)^get$"#', { 'http.method': 'GeT' })).toBe(true);
  });

  it('lower() is full Unicode lower-casing', () => {
    expect(matches('lower(http.method) == "straße"', { 'http.method': 'STRAßE' })).toBe(true);
    expect(matches('lower(http.method) == "σας"', { 'http.method': 'ΣΑΣ' })).toBe(true);
  });
});

describe('absent fields make every predicate false', () => {
  it.each([
    'proxy.kong.consumer.id == "x"',
    'proxy.kong.consumer.id != "x"',
    'proxy.kong.consumer.id contains ""',
    'proxy.kong.consumer.id ~ ""',
    'proxy.kong.latency.total >= 0',
    'proxy.kong.latency.total != 1',
    'destination.address in 0.0.0.0/0',
    'destination.address not in 10.0.0.0/8',
    'destination.address != 1.2.3.4',
  ])('%s', (expr) => {
    expect(matches(expr, oss)).toBe(false);
    // ...and negation flips it
    expect(matches(`!(${expr})`, oss)).toBe(true);
  });

  it('a non-integral latency is truncated toward zero, as Kong hands it to its router (issue 11)', () => {
    expect(matches('proxy.kong.latency.total >= 0', { 'proxy.kong.latency.total': 1.5 })).toBe(true);
    expect(matches('proxy.kong.latency.upstream > 500', { 'proxy.kong.latency.upstream': 764.52 })).toBe(true);
    expect(matches('proxy.kong.latency.upstream == 764', { 'proxy.kong.latency.upstream': 764.52 })).toBe(true);
    expect(matches('proxy.kong.latency.upstream == 765', { 'proxy.kong.latency.upstream': 764.52 })).toBe(false);
    expect(matches('proxy.kong.latency.upstream > 764', { 'proxy.kong.latency.upstream': 764.99 })).toBe(false);
    expect(matches('proxy.kong.latency.upstream >= 764', { 'proxy.kong.latency.upstream': '764.99' })).toBe(true);
    expect(matches('proxy.kong.latency.total < 1', { 'proxy.kong.latency.total': 0.4 })).toBe(true);
    expect(matches('proxy.kong.latency.total == 0', { 'proxy.kong.latency.total': -0.4 })).toBe(true);
  });
  it('a number that is no i64 (NaN, Infinity, beyond 2^63) is still absent', () => {
    for (const v of [Number.NaN, Infinity, -Infinity, 2 ** 63, 'NaN']) {
      expect(matches('proxy.kong.latency.total >= 0', { 'proxy.kong.latency.total': v })).toBe(false);
      expect(matches('proxy.kong.latency.total != 0', { 'proxy.kong.latency.total': v })).toBe(false);
    }
  });
});

describe('numbers as int, double or numeric string', () => {
  it.each<[Attributes]>([[{ 'server.port': 8000 }], [{ 'server.port': 8000.0 }], [{ 'server.port': '8000' }]])('%p', (a) => {
    expect(matches('server.port == 8000 && net.dst.port == 8000', a)).toBe(true);
  });
  it('big integers compare exactly', () => {
    expect(matches('http.request.size == 9007199254740993', { 'http.request.size': '9007199254740993' })).toBe(true);
    expect(matches('http.request.size == 9007199254740992', { 'http.request.size': '9007199254740993' })).toBe(false);
    expect(matches('http.request.size > 9007199254740992', { 'http.request.size': '9007199254740993' })).toBe(true);
  });
});

describe('precedence and short-circuit in evaluation', () => {
  it('|| binds tighter than &&', () => {
    // (GET && (false || 503)) → true; C-like precedence would give the same, so also the reverse case:
    expect(matches('http.method == "GET" && http.method == "POST" || http.response.status_code == 503', oss)).toBe(true);
    // ATC: (503 || GET) && POST → false; C-like: 503 || (GET && POST) → true
    expect(matches('http.response.status_code == 503 || http.method == "GET" && http.method == "POST"', oss)).toBe(false);
  });
  it('docs scenarios', () => {
    expect(matches('!(proxy.kong.upstream.status_code >= 100) && http.response.status_code == 500', { 'http.response.status_code': 500 })).toBe(true);
    expect(matches('!(proxy.kong.upstream.status_code >= 100) && http.response.status_code == 500', { 'http.response.status_code': 500, 'proxy.kong.upstream.status_code': 200 })).toBe(false);
    expect(matches('proxy.kong.latency_total_ms >= 100', { 'proxy.kong.latency.total': 150 })).toBe(true);
  });
});

describe('validateExpression', () => {
  it('valid', () => {
    expect(validateExpression('http.response.status_code >= 500')).toEqual({ valid: true, errors: [] });
  });
  it.each<[string, string, number, number]>([
    ['status_code == 500', 'Unknown LHS field: status_code (did you mean http.response.status_code?)', 0, 11],
    ['http.method == "GET" && foo.bar == 1', 'Unknown LHS field: foo.bar', 24, 31],
    ['http.response.status_code == "500"', 'Type mismatch between the LHS and RHS values of predicate', 0, 34],
    ['(http.method > 1)', 'Type mismatch between the LHS and RHS values of predicate', 1, 16],
    ['http.method > "a"', 'Greater/GreaterOrEqual/Lesser/LesserOrEqual operators only supports integer operands', 0, 17],
    ['http.response.status_code ^= 1', 'Regex/Prefix/Postfix operators only supports string operands', 0, 30],
    ['http.response.status_code contains 1', 'Contains operator only supports string operands', 0, 36],
    ['http.response.status_code ~ "5.."', 'Regex operators only supports string operands', 0, 33],
    ['client.address in 10.0.0.1', 'In/NotIn operators only supports IP in CIDR', 0, 26],
    ['http.method in 10.0.0.0/8', 'In/NotIn operators only supports IP in CIDR', 0, 25],
    ['client.address == 10.0.0.0/8', 'Type mismatch between the LHS and RHS values of predicate', 0, 28],
    ['lower(http.response.status_code) == 1', 'lower-case transformation function only supported with String type fields', 0, 37],
    // first error in left-to-right order wins
    ['http.method == 1 || nope == "x"', 'Type mismatch between the LHS and RHS values of predicate', 0, 16],
  ])('%s', (src, message, start, end) => {
    expect(validateExpression(src)).toEqual({ valid: false, errors: [{ message, start, end }] });
  });
  it('rejects non-strings without throwing', () => {
    expect(validateExpression(42 as unknown as string).valid).toBe(false);
  });
});

describe('compileRule: basic rules', () => {
  const input = (a: Attributes) => makeRuleInput(a);
  it('matches by route id or service id, old and new attribute names', () => {
    const r = compileRule({ type: 'basic', routeIds: ['r1', 'r2'], serviceIds: ['s1'] });
    if (!r.ok) throw new Error('compile');
    expect(r.matcher(input({ 'proxy.kong.route.id': 'r2' }))).toBe(true);
    expect(r.matcher(input({ 'proxy.kong.router.route_id': 'r1' }))).toBe(true);
    expect(r.matcher(input({ 'proxy.kong.service.id': 's1', 'proxy.kong.route.id': 'other' }))).toBe(true);
    expect(r.matcher(input({ 'proxy.kong.router.service_id': 's1' }))).toBe(true);
    expect(r.matcher(input({ 'proxy.kong.route.id': 'r3', 'proxy.kong.service.id': 's2' }))).toBe(false);
    expect(r.matcher(input({}))).toBe(false);
  });
  it.each([
    { type: 'basic' },
    { type: 'basic', routeIds: [], serviceIds: [] },
  ])('a basic rule without ids is an error at 0..0: %p', (rule) => {
    expect(compileRule(rule as never)).toEqual({
      ok: false,
      errors: [{ message: 'a basic rule needs at least one route id or service id', start: 0, end: 0 }],
    });
  });
  it('rejects malformed id lists and unknown rule types precisely', () => {
    expect(compileRule({ type: 'basic', routeIds: [1] } as never)).toMatchObject({ ok: false, errors: [{ message: 'routeIds must be a list of non-empty strings' }] });
    expect(compileRule({ type: 'other' } as never)).toMatchObject({ ok: false });
    expect(compileRule(null as never)).toMatchObject({ ok: false });
    expect(compileRule({ type: 'advanced' } as never)).toMatchObject({ ok: false });
  });
  it('advanced rule errors carry positions', () => {
    expect(compileRule({ type: 'advanced', expression: 'http.method = "GET"' })).toMatchObject({
      ok: false,
      errors: [{ start: 12, end: 13 }],
    });
  });
});

describe('SAMPLER_FIELDS', () => {
  it('every listed name and alias is usable in an expression', () => {
    for (const f of SAMPLER_FIELDS) {
      for (const name of [f.name, ...f.aliases]) {
        const lit = f.type === 'String' ? '"x"' : f.type === 'Int' ? '1' : '10.0.0.1';
        expect(validateExpression(`${name} == ${lit}`).errors.map((e) => e.message).join()).not.toMatch(/Unknown/);
      }
    }
  });
});

describe('speed (no timing assertion: a smoke check that compiled rules are closures over a lazy input)', () => {
  it('evaluates a three-clause rule many times with fresh inputs', () => {
    const r = compileRule({
      type: 'advanced',
      expression: 'http.response.status_code >= 500 && http.path ^= "/v1" && client.address in 203.0.113.0/24',
    });
    if (!r.ok) throw new Error('compile');
    let n = 0;
    for (let i = 0; i < 200_000; i++) if (r.matcher(makeRuleInput(oss))) n++;
    expect(n).toBe(200_000);
  });
});

describe('regex limits apply to the whole rule', () => {
  it('distinct Unicode properties are counted across all regexes of a rule', () => {
    const scripts = ['Greek', 'Latin', 'Cyrillic', 'Han', 'Arabic', 'Hebrew', 'Thai', 'Georgian', 'Armenian'];
    const rule = (n: number) => scripts.slice(0, n).map((s) => `http.path ~ r#"\\p{${s}}"#`).join(' || ');
    expect(validateExpression(rule(8)).valid).toBe(true);
    const v = validateExpression(rule(9));
    expect(v.valid).toBe(false);
    expect(v.errors[0].message).toMatch(/^regex parse error: more than 8 distinct Unicode properties in one rule/);
    // the error points at the regex literal that crossed the limit
    expect(rule(9).slice(v.errors[0].start, v.errors[0].end)).toBe('r#"\\p{Armenian}"#');
  });
});
