import { actorName, BadGrafanaUserError, grafanaUserOf } from './grafana-user';
import type { Principal } from './roles';

const as = (role: Principal['role']): Principal => ({ tokenId: 't', name: `${role} token`, role, tenant: 'default' });

describe('X-Grafana-User', () => {
  it("is believed only on a debugger token's calls (the token Grafana's data source uses)", () => {
    expect(grafanaUserOf(as('debugger'), ' alice@example.com ')).toBe('alice@example.com');
    for (const role of ['admin', 'viewer', 'ingest'] as const) {
      expect(grafanaUserOf(as(role), 'alice')).toBeUndefined();
    }
    expect(grafanaUserOf(as('debugger'), undefined)).toBeUndefined();
  });

  it('refuses what no Grafana login looks like, with the reason', () => {
    expect(() => grafanaUserOf(as('debugger'), ['a', 'b'])).toThrow(new BadGrafanaUserError('X-Grafana-User must be sent once'));
    expect(() => grafanaUserOf(as('debugger'), '  ')).toThrow(/empty/);
    expect(() => grafanaUserOf(as('debugger'), 'a'.repeat(257))).toThrow(/longer than 256/);
    expect(() => grafanaUserOf(as('debugger'), 'al\u0007ice')).toThrow(/control characters/);
    expect(grafanaUserOf(as('debugger'), 'a'.repeat(256))).toHaveLength(256);
  });

  it('names the Grafana user when there is one, else the token', () => {
    expect(actorName({ ...as('debugger'), grafanaUser: 'alice' })).toBe('alice');
    expect(actorName(as('debugger'))).toBe('debugger token');
  });
});
