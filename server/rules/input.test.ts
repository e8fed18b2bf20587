import { readFileSync } from 'fs';
import { join } from 'path';
import type { Attributes } from '../../common/api';
import { FIELD_DEFS, FIELD_INDEX, SAMPLER_FIELDS, pathOf, suggestField } from './fields';
import { formatIp, type IpAddr } from './ip';
import { makeRuleInput, toInt } from './input';

const get = (attrs: Attributes, field: string, resource?: Attributes) => {
  const i = FIELD_INDEX.get(field);
  if (i === undefined) throw new Error(`no field ${field}`);
  const v = makeRuleInput(attrs, resource).get(i);
  return v !== undefined && typeof v === 'object' ? formatIp(v as IpAddr) : v;
};

/** OTLP/JSON AnyValue → our attribute value (just enough for the fixture). */
function otlpAttrs(list: Array<{ key: string; value: Record<string, unknown> }>): Attributes {
  const out: Attributes = {};
  for (const { key, value } of list) {
    if ('stringValue' in value) out[key] = value.stringValue as string;
    else if ('intValue' in value) out[key] = Number(value.intValue);
    else if ('doubleValue' in value) out[key] = value.doubleValue as number;
    else if ('boolValue' in value) out[key] = value.boolValue as boolean;
  }
  return out;
}

const fixture = JSON.parse(readFileSync(join(__dirname, '../../../shared/fixtures/kong-trace.otlp.json'), 'utf8'));
const ossRoot = otlpAttrs(
  fixture.resourceSpans[0].scopeSpans[0].spans.find((s: { parentSpanId?: string }) => !s.parentSpanId).attributes,
);

// Enterprise debugger root span (konnect-debugger.md §6.2), numbers in the mixed types Kong sends
const enterpriseRoot: Attributes = {
  'http.request.method': 'POST',
  'url.full': 'https://api.example.com/v1/orders',
  'url.scheme': 'https',
  'network.protocol.name': 'http',
  'network.protocol.version': '1.1',
  'http.request.header.host': 'api.example.com',
  'client.address': '2001:db8::42',
  'client.port': 51234,
  'network.peer.address': '10.0.0.9',
  'server.address': '10.0.0.2',
  'server.port': '8000',
  'http.request.size': '177',
  'http.response.status_code': 503,
  'proxy.kong.upstream.status_code': 503.0,
  'proxy.kong.route.id': 'r-1',
  'proxy.kong.service.id': 's-1',
  'proxy.kong.latency.total': 12,
  'proxy.kong.latency.upstream.ttfb': '4',
  'http.route': '/v1',
};

describe('field resolution across dialects', () => {
  it('OSS opentelemetry plugin root span (fixture)', () => {
    expect(get(ossRoot, 'http.request.method')).toBe('GET');
    expect(get(ossRoot, 'http.method')).toBe('GET');
    expect(get(ossRoot, 'http.response.status_code')).toBe(200);
    expect(get(ossRoot, 'client.address')).toBe('203.0.113.42');
    expect(get(ossRoot, 'net.src.ip')).toBe('203.0.113.42');
    expect(get(ossRoot, 'network.peer.address')).toBe('10.0.0.5');
    expect(get(ossRoot, 'http.request.header.host')).toBe('api.example.com');
    expect(get(ossRoot, 'http.host')).toBe('api.example.com');
    expect(get(ossRoot, 'url.scheme')).toBe('https');
    expect(get(ossRoot, 'net.protocol')).toBe('https');
    expect(get(ossRoot, 'network.protocol.version')).toBe('2.0');
    // request path, not the route pattern; url.full drops the query string like Enterprise's
    expect(get(ossRoot, 'http.path')).toBe('/orders/42');
    expect(get(ossRoot, 'http.route')).toBe('/orders');
    expect(get(ossRoot, 'url.full')).toBe('https://api.example.com/orders/42');
    // OSS root spans carry no latency or route/service ids
    expect(get(ossRoot, 'proxy.kong.latency.total')).toBeUndefined();
    expect(get(ossRoot, 'proxy.kong.route.id')).toBeUndefined();
  });

  it('Enterprise debugger root span', () => {
    expect(get(enterpriseRoot, 'http.method')).toBe('POST');
    expect(get(enterpriseRoot, 'http.path')).toBe('/v1/orders');
    expect(get(enterpriseRoot, 'client.address')).toBe('2001:db8::42');
    expect(get(enterpriseRoot, 'net.src.port')).toBe(51234);
    expect(get(enterpriseRoot, 'server.port')).toBe(8000);
    expect(get(enterpriseRoot, 'net.dst.port')).toBe(8000);
    expect(get(enterpriseRoot, 'server.address')).toBe('10.0.0.2');
    expect(get(enterpriseRoot, 'net.dst.ip')).toBe('10.0.0.2');
    expect(get(enterpriseRoot, 'tls.sni')).toBe('10.0.0.2');
    expect(get(enterpriseRoot, 'http.request.size')).toBe(177);
    expect(get(enterpriseRoot, 'proxy.kong.upstream.status_code')).toBe(503);
    expect(get(enterpriseRoot, 'proxy.kong.latency.upstream.ttfb')).toBe(4);
    // the legacy name resolves from the new attribute and vice versa
    expect(get(enterpriseRoot, 'proxy.kong.latency_total_ms')).toBe(12);
    expect(get({ 'proxy.kong.latency_total_ms': 99 }, 'proxy.kong.latency.total')).toBe(99);
  });

  it('older attribute names', () => {
    expect(get({ 'proxy.kong.router.route_id': 'r' }, 'proxy.kong.route.id')).toBe('r');
    expect(get({ 'proxy.kong.router.service_id': 's' }, 'proxy.kong.service.id')).toBe('s');
    expect(get({ 'proxy.kong.consumer_id': 'c' }, 'proxy.kong.consumer.id')).toBe('c');
    expect(get({ 'proxy.kong.upstream_status_code': '502' }, 'proxy.kong.upstream.status_code')).toBe(502);
    expect(get({ 'net.peer.port': 443.0 }, 'network.peer.port')).toBe(443);
    expect(get({ 'tls.client.server_name': 'sni.example' }, 'tls.sni')).toBe('sni.example');
  });

  it('the new name wins when both dialects are present', () => {
    expect(get({ 'http.status_code': 200, 'http.response.status_code': 404 }, 'http.response.status_code')).toBe(404);
  });

  it('an unusable value lets the next source answer', () => {
    expect(get({ 'http.response.status_code': 'n/a', 'http.status_code': 200 }, 'http.response.status_code')).toBe(200);
  });

  it('resource attributes are a fallback only', () => {
    expect(get({}, 'proxy.kong.route.id', { 'proxy.kong.route.id': 'from-resource' })).toBe('from-resource');
    expect(get({ 'proxy.kong.route.id': 'root' }, 'proxy.kong.route.id', { 'proxy.kong.route.id': 'x' })).toBe('root');
  });

  it('IpAddr fields parse strings and drop what does not parse', () => {
    expect(get({ 'client.address': '::ffff:1.2.3.4' }, 'client.address')).toBe('::ffff:102:304');
    expect(get({ 'client.address': 'unknown' }, 'client.address')).toBeUndefined();
    expect(get({ 'client.address': '010.0.0.1' }, 'client.address')).toBeUndefined();
    expect(get({ 'client.address': 167772161 }, 'client.address')).toBeUndefined();
  });

  it('String fields take strings and numbers, nothing else', () => {
    expect(get({ 'network.protocol.version': 2 }, 'network.protocol.version')).toBe('2');
    expect(get({ 'http.request.method': true }, 'http.request.method')).toBeUndefined();
    expect(get({ 'http.request.method': ['GET'] }, 'http.request.method')).toBeUndefined();
  });
});

describe('toInt: int, double or numeric string (a fraction truncates toward zero, as Kong)', () => {
  it.each<[unknown, number | bigint | undefined]>([
    [200, 200],
    [200.0, 200],
    ['8000', 8000],
    [' 8000 ', 8000],
    ['-5', -5],
    ['8000.0', 8000],
    ['1e3', 1000],
    [12.5, 12],
    ['12.5', 12],
    [764.52, 764],
    ['764.52', 764],
    [0.999, 0],
    [-0.5, 0],
    [-12.9, -12],
    ['-12.9', -12],
    [1e-300, 0],
    [9.2e18, 9200000000000000000n],
    [-9.3e18, undefined],
    ['1.5e3', 1500],
    ['abc', undefined],
    ['', undefined],
    [NaN, undefined],
    [Infinity, undefined],
    [true, undefined],
    [null, undefined],
    ['9223372036854775807', 9223372036854775807n],
    ['9223372036854775808', undefined],
    [2 ** 53, 9007199254740992n],
    [2 ** 64, undefined],
  ])('%p → %p', (v, expected) => {
    expect(toInt(v as never)).toEqual(expected);
  });
});

describe('sampler field table', () => {
  it('lists every canonical field of konnect-debugger.md §2.2.1 with its aliases', () => {
    const byName = new Map(SAMPLER_FIELDS.map((f) => [f.name, f]));
    expect(byName.get('http.request.method')).toEqual({ name: 'http.request.method', type: 'String', aliases: ['http.method'] });
    expect(byName.get('client.address')).toEqual({ name: 'client.address', type: 'IpAddr', aliases: ['net.src.ip'] });
    expect(byName.get('server.address')?.aliases).toEqual(['tls.sni', 'net.dst.ip']);
    expect(byName.get('proxy.kong.latency_total_ms')?.type).toBe('Int');
    expect(SAMPLER_FIELDS.length).toBe(39);
  });
  it('has no duplicate names, and alias types are ATC types', () => {
    const names = FIELD_DEFS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(FIELD_DEFS.find((d) => d.name === 'net.dst.ip')?.type).toBe('IpAddr');
    expect(FIELD_DEFS.find((d) => d.name === 'tls.sni')?.type).toBe('String');
  });
  it('suggests close names', () => {
    expect(suggestField('status_code')).toBe('http.response.status_code');
    expect(suggestField('http.response.status')).toBe('http.response.status_code');
    expect(suggestField('http.methd')).toBe('http.method');
    expect(suggestField('zzzzzzzzzzzzzzzz')).toBeUndefined();
  });
  it('pathOf strips scheme, authority, query and fragment', () => {
    expect(pathOf('https://h:8443/a/b?x=1#f')).toBe('/a/b');
    expect(pathOf('/a/b?x=1')).toBe('/a/b');
    expect(pathOf('http://h')).toBe('/');
  });
});
