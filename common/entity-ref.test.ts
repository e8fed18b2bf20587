import { resolveEntityRef } from './entity-ref';

describe('resolveEntityRef', () => {
  const list = [
    { id: 'r-1', name: 'checkout', gateway: 'prod' },
    { id: 'r-2', name: 'orders', gateway: 'prod' },
    { id: 'r-3', name: 'orders', gateway: 'staging' },
    { id: 'r-4', name: 'r-1', gateway: 'prod' },
  ];
  it('takes ids first, then unique names, and keeps unknown refs as ids', () => {
    expect(resolveEntityRef(list, 'checkout')).toEqual({ id: 'r-1' });
    expect(resolveEntityRef(list, ' r-2 ')).toEqual({ id: 'r-2' });
    expect(resolveEntityRef(list, 'r-1')).toEqual({ id: 'r-1' }); // an id beats a name equal to it
    expect(resolveEntityRef(list, 'seen-in-traffic')).toEqual({ id: 'seen-in-traffic' });
  });
  it('refuses a name two gateways give to different entities', () => {
    expect(resolveEntityRef(list, 'orders')).toEqual({ error: '"orders" names 2 different entities (r-2, r-3); give the id' });
  });
});
