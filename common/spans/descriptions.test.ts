import { describeSpan } from './descriptions';

describe('describeSpan', () => {
  it('describes the fixed spans, by their current or legacy name', () => {
    expect(describeSpan('kong.read_headers_from_upstream')).toMatch(/time to first byte/);
    expect(describeSpan('kong.upstream.ttfb')).toBe(describeSpan('kong.read_headers_from_upstream'));
  });

  it('describes plugin, I/O and Datakit spans from their names', () => {
    expect(describeSpan('kong.access.plugin.key-auth')).toBe('The key-auth plugin running in the access phase.');
    expect(describeSpan('kong.io.redis.get')).toMatch(/\(redis\.get\)/);
    expect(describeSpan('kong.datakit.node.call1')).toMatch(/call1/);
  });

  it('has nothing to say about spans the reference does not list', () => {
    expect(describeSpan('my.custom.span')).toBeUndefined();
    for (const name of ['toString', 'constructor', '__proto__']) expect(describeSpan(name)).toBeUndefined();
  });
});
