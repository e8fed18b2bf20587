import type { Session } from '../../common/api';
import type { AuditLog, NewAuditEntry } from '../audit/audit';
import type { Principal } from '../auth/roles';
import type { SessionManager } from '../sessions/manager';
import { AlertSessionRunningError } from '../store/errors';
import { storedSession } from '../testing/sessions';
import { AlertIntake, grafanaRuleUid } from './intake';
import { parseGrafanaPayload } from './payload';
import { grafanaPayload } from './testing';

const who: Principal = { tokenId: 't1', name: 'grafana', role: 'debugger', tenant: 'blue' };
const rule = { kong_debugger_rule: 'http.response.status_code >= 500' };

function audit(): AuditLog & { entries: NewAuditEntry[] } {
  const entries: NewAuditEntry[] = [];
  return { entries, record: async (e) => void entries.push(e), list: async () => [], close: async () => undefined };
}

describe('the alert intake', () => {
  it('starts one session for an alert that appears twice in one payload', async () => {
    let n = 0;
    const created: Session[] = [];
    const sessions = {
      list: async () => [],
      runningSessions: () => created,
      create: async (req: any, tenant: string, alert: any) => {
        const s = storedSession(`s${++n}`, Date.now(), { tenant, alert, rule: req.rule });
        created.push(s);
        return s;
      },
    } as unknown as SessionManager;
    const log = audit();
    const intake = new AlertIntake({ sessions, audit: log, entities: async () => ({ routes: [], services: [] }) });
    const r = await intake.receive(
      parseGrafanaPayload(
        grafanaPayload([
          { fingerprint: 'f1', annotations: rule },
          { fingerprint: 'f1', annotations: rule },
        ])
      ),
      who
    );
    expect(r.results.map((x) => [x.outcome, 'sessionId' in x ? x.sessionId : undefined])).toEqual([
      ['started', 's1'],
      ['already_running', 's1'],
    ]);
    expect(created).toHaveLength(1);
    expect(created[0].tenant).toBe('blue');
    expect(log.entries).toEqual([
      expect.objectContaining({
        tenant: 'blue',
        action: 'session.create',
        target: 's1',
        actor: { tokenId: 't1', name: 'grafana' },
      }),
    ]);
  });

  it("answers already_running when another replica's session wins the store's unique index", async () => {
    const other = storedSession('other', Date.now(), { tenant: 'blue' });
    let lookups = 0;
    const sessions = {
      // nothing running at the first look; the other replica's session at the second
      list: async () => (lookups++ === 0 ? [] : [other]),
      runningSessions: () => [],
      create: async () => {
        throw new AlertSessionRunningError('blue/f1');
      },
    } as unknown as SessionManager;
    const intake = new AlertIntake({ sessions, audit: audit(), entities: async () => ({ routes: [], services: [] }) });
    const r = await intake.receive(
      parseGrafanaPayload(grafanaPayload([{ fingerprint: 'f1', annotations: rule }])),
      who
    );
    expect(r.results).toEqual([
      { fingerprint: 'f1', alertname: 'KongHighErrorRate', outcome: 'already_running', sessionId: 'other' },
    ]);
  });

  it("reads Kong's names only when an alert needs them", async () => {
    const entities = jest.fn(async () => ({ routes: [{ id: 'r1', name: 'checkout' }], services: [] }));
    const sessions = {
      list: async () => [],
      runningSessions: () => [],
      create: async (req: any) => storedSession('s1', Date.now(), { rule: req.rule }),
    } as unknown as SessionManager;
    const intake = new AlertIntake({ sessions, audit: audit(), entities });
    await intake.receive(parseGrafanaPayload(grafanaPayload([{ fingerprint: 'f1', annotations: rule }])), who);
    expect(entities).not.toHaveBeenCalled();
    const r = await intake.receive(
      parseGrafanaPayload(
        grafanaPayload([
          { fingerprint: 'f2', labels: { route: 'checkout' } },
          { fingerprint: 'f3', labels: { route: 'checkout' } },
        ])
      ),
      who
    );
    expect(entities).toHaveBeenCalledTimes(1);
    expect(entities).toHaveBeenCalledWith('blue');
    expect(r.results.map((x) => x.outcome)).toEqual(['started', 'started']);
  });
});

describe('grafanaRuleUid', () => {
  it("reads the rule uid from Grafana's generatorURL, under a sub-path too, and nothing from other URLs", () => {
    expect(grafanaRuleUid('https://grafana.example.com/alerting/grafana/bf9x2c7z/view?orgId=1')).toBe('bf9x2c7z');
    expect(grafanaRuleUid('https://example.com/grafana/alerting/grafana/a%2Fb/view')).toBe('a/b');
    expect(grafanaRuleUid('http://prometheus:9090/graph?g0.expr=up')).toBeUndefined();
    expect(grafanaRuleUid('https://grafana.example.com/alerting/list')).toBeUndefined();
    expect(grafanaRuleUid('not a url')).toBeUndefined();
    expect(grafanaRuleUid(undefined)).toBeUndefined();
  });
});
