import { compileRule } from '../rules';
import type { IncomingAlert } from './payload';
import { parseDurationSeconds, sessionRequestFor, type KnownEntities } from './session-request';

const known: KnownEntities = {
  routes: [
    { id: 'r-checkout', name: 'checkout', gateway: 'eu' },
    { id: 'r-checkout-us', name: 'checkout', gateway: 'us' },
    { id: 'r-unnamed', gateway: 'eu' },
  ],
  services: [{ id: 's-orders', name: 'orders', gateway: 'eu' }],
};

const alert = (labels: Record<string, string>, annotations: Record<string, string> = {}): IncomingAlert => ({
  status: 'firing',
  labels: { alertname: 'KongErrors', ...labels },
  annotations,
  fingerprint: 'f1',
});

describe('an alert as a session request', () => {
  it('takes the rule from kong_debugger_rule, with the annotated duration and cap', () => {
    const r = sessionRequestFor(
      alert(
        { route: 'checkout' },
        {
          kong_debugger_rule: 'http.response.status_code >= 500',
          kong_debugger_duration: '10m',
          kong_debugger_max_traces: '50',
        }
      ),
      known
    );
    expect(r).toEqual({
      kind: 'session',
      request: {
        name: 'Alert KongErrors (route=checkout)',
        rule: { type: 'advanced', expression: 'http.response.status_code >= 500' },
        durationSeconds: 600,
        maxTraces: 50,
        captureLogs: false,
      },
    });
  });

  it('answers an invalid rule with its error and position', () => {
    const r = sessionRequestFor(alert({}, { kong_debugger_rule: 'http.response.status_code >= ' }), known);
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.message).toMatch(/^annotation kong_debugger_rule is not a valid rule: .* \(characters \d+-\d+\)$/);
    expect(r.errors?.[0]).toMatchObject({ start: expect.any(Number), end: expect.any(Number) });
    expect(r.errors![0].start).toBeGreaterThan(20);
  });

  it('checks duration and cap with the session limits', () => {
    expect(sessionRequestFor(alert({ route: 'checkout' }, { kong_debugger_duration: '31m' }), known)).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('kong_debugger_duration'),
    });
    expect(sessionRequestFor(alert({ route: 'checkout' }, { kong_debugger_duration: '5s' }), known)).toMatchObject({
      kind: 'invalid',
    });
    expect(sessionRequestFor(alert({ route: 'checkout' }, { kong_debugger_max_traces: '0' }), known)).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('kong_debugger_max_traces'),
    });
    expect(
      sessionRequestFor(alert({ route: 'checkout' }, { kong_debugger_max_traces: '100001' }), known)
    ).toMatchObject({ kind: 'invalid' });
    expect(
      sessionRequestFor(alert({ route: 'checkout' }), known, { durationSeconds: 120, maxTraces: 30 })
    ).toMatchObject({ request: { durationSeconds: 120, maxTraces: 30 } });
  });

  it("resolves Kong's Prometheus labels: a route name on every gateway that has it, a route's id, a service name", () => {
    expect(sessionRequestFor(alert({ route: 'checkout', service: 'orders' }), known)).toMatchObject({
      request: { rule: { type: 'basic', routeIds: ['r-checkout', 'r-checkout-us'] } },
    });
    expect(sessionRequestFor(alert({ route: 'r-unnamed' }), known)).toMatchObject({
      request: { rule: { type: 'basic', routeIds: ['r-unnamed'] } },
    });
    expect(sessionRequestFor(alert({ service: 'orders' }), known)).toMatchObject({
      request: { rule: { type: 'basic', serviceIds: ['s-orders'] } },
    });
  });

  it('narrows by the code label, as a rule the engine compiles and matches', () => {
    const r = sessionRequestFor(alert({ service: 'orders', code: '503' }), known);
    expect(r).toMatchObject({
      request: {
        rule: {
          type: 'advanced',
          expression: '(proxy.kong.service.id == "s-orders") && http.response.status_code == 503',
        },
      },
    });
    if (r.kind !== 'session') return;
    const c = compileRule(r.request.rule);
    expect(c.ok).toBe(true);
  });

  it('refuses, saying what is needed, when nothing names what to capture', () => {
    expect(sessionRequestFor(alert({ instance: 'kong:8100' }), known)).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('kong_debugger_rule'),
    });
    expect(sessionRequestFor(alert({ route: 'nope' }), known)).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('Kong has no route "nope"'),
    });
    expect(sessionRequestFor(alert({ service: 'orders.internal' }), known)).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('give the service a name'),
    });
    expect(sessionRequestFor(alert({ route: 'checkout', code: '5xx' }), known)).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('label "code"'),
    });
  });

  it('reads durations as people and Prometheus write them', () => {
    expect(parseDurationSeconds('300')).toBe(300);
    expect(parseDurationSeconds('5m')).toBe(300);
    expect(parseDurationSeconds('1m30s')).toBe(90);
    expect(parseDurationSeconds('1h')).toBe(3600);
    expect(parseDurationSeconds('')).toBeUndefined();
    expect(parseDurationSeconds('5 minutes')).toBeUndefined();
  });
});
