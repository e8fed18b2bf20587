import type { RuleInput } from '../rules';
import { sessionsWanting, type RunningSessionsView } from './policy';
import { decodedSpan, resource } from './testing';

/** two running sessions of team-a: s-5xx takes 5xx roots, s-named only what names it */
function view(calls: Array<[RuleInput | undefined, string | undefined, string]> = []): RunningSessionsView {
  return {
    match(input, named, tenant) {
      calls.push([input, named, tenant]);
      if (tenant !== 'team-a') return [];
      const out: string[] = [];
      if (input && Number(input.attributes['http.response.status_code']) >= 500) out.push('s-5xx');
      if (named === 's-named') out.push('s-named');
      return out;
    },
  };
}

const root = (status: number) => decodedSpan({ name: 'kong', kind: 2, parentSpanId: '', attributes: { 'http.response.status_code': status } });

describe('sessionsWanting', () => {
  it('judges a trace on its root, with the root and resource attributes, for the sending tenant only', () => {
    const calls: Array<[RuleInput | undefined, string | undefined, string]> = [];
    expect(sessionsWanting([decodedSpan(), root(503)], [resource('kong')], 'team-a', view(calls))).toEqual(['s-5xx']);
    expect([calls[0][0]?.attributes, calls[0][0]?.resourceAttributes]).toEqual([{ 'http.response.status_code': 503 }, { 'service.name': 'kong' }]);
    expect(sessionsWanting([root(200)], [resource('kong')], 'team-a', view())).toEqual([]);
    expect(sessionsWanting([root(503)], [resource('kong')], 'team-b', view())).toEqual([]);
  });

  it('lets a trace without its root wait', () => {
    expect(sessionsWanting([decodedSpan()], [resource('kong')], 'team-a', view())).toBeUndefined();
  });

  it("takes a trace whose resource names a running session of the tenant at once, root or not", () => {
    const named = [resource('kong', { 'session.id': 's-named' })];
    expect(sessionsWanting([decodedSpan()], named, 'team-a', view())).toEqual(['s-named']);
    expect(sessionsWanting([root(503)], named, 'team-a', view())).toEqual(['s-5xx', 's-named']);
  });

  it("lets a rootless trace wait when its session.id names no running session of the tenant (another tenant's, or none)", () => {
    expect(sessionsWanting([decodedSpan()], [resource('kong', { 'session.id': 's-named' })], 'team-b', view())).toBeUndefined();
    expect(sessionsWanting([decodedSpan()], [resource('kong', { 'session.id': 'nobody' })], 'team-a', view())).toBeUndefined();
  });
});
