import { byTenant, tenantOfKey, traceIdOf, traceKey, traceKeyParts } from './trace-key';

const ID = '0123456789abcdef0123456789abcdef';

describe('traceKey', () => {
  it('tells apart the same trace id sent by two tenants', () => {
    expect(traceKey('team-a', ID)).not.toBe(traceKey('team-b', ID));
    expect(traceKey('team-a', ID)).toBe(traceKey('team-a', ID));
  });

  it('gives back both parts, whatever characters the tenant holds', () => {
    for (const tenant of ['default', 'a/b', '', 'x/y/z ü']) {
      const k = traceKey(tenant, ID);
      expect(traceKeyParts(k)).toEqual({ tenant, traceId: ID });
      expect([tenantOfKey(k), traceIdOf(k)]).toEqual([tenant, ID]);
    }
  });

  it('groups keys by tenant for one store call each', () => {
    const other = 'fedcba9876543210fedcba9876543210';
    const g = byTenant([traceKey('a', ID), traceKey('b', ID), traceKey('a', other)]);
    expect([...g]).toEqual([
      ['a', [ID, other]],
      ['b', [ID]],
    ]);
  });
});
