import { describeRule } from './describe';

describe('describeRule', () => {
  it('shows an expression as written and a basic rule by its ids', () => {
    expect(describeRule({ type: 'advanced', expression: 'http.path ^= "/v1"' })).toBe('http.path ^= "/v1"');
    expect(describeRule({ type: 'basic', routeIds: ['r1', 'r2'], serviceIds: ['s1'] })).toBe('routes: r1, r2; services: s1');
    expect(describeRule({ type: 'basic' })).toBe('all traffic');
  });
});

describe('describeRule with Kong names', () => {
  it("shows Kong's names with the id, and unknown ids as they are", () => {
    const names: Record<string, string> = { 'route:r1': 'checkout', 'service:s1': 'orders' };
    const nameOf = (kind: 'route' | 'service', id: string) => names[`${kind}:${id}`];
    expect(describeRule({ type: 'basic', routeIds: ['r1', 'r9'], serviceIds: ['s1'] }, nameOf)).toBe('routes: checkout (r1), r9; services: orders (s1)');
  });
});
