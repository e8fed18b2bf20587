import { describeRule } from './describe';

describe('describeRule', () => {
  it('shows an expression as written and a basic rule by its ids', () => {
    expect(describeRule({ type: 'advanced', expression: 'http.path ^= "/v1"' })).toBe('http.path ^= "/v1"');
    expect(describeRule({ type: 'basic', routeIds: ['r1', 'r2'], serviceIds: ['s1'] })).toBe('routes: r1, r2; services: s1');
    expect(describeRule({ type: 'basic' })).toBe('all traffic');
  });
});
