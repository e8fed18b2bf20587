import { TtlMap } from './ttl-map';

describe('TtlMap', () => {
  it('expires entries after their ttl and reports them', () => {
    let now = 1000;
    const dropped: string[] = [];
    const m = new TtlMap<string, number>(100, 10, () => now, (k) => dropped.push(k));
    m.set('a', 1);
    now = 1050;
    m.set('b', 2);
    expect(m.get('a')).toBe(1);
    now = 1100;
    m.sweep();
    expect(dropped).toEqual(['a']);
    expect(m.get('a')).toBeUndefined();
    expect(m.get('b')).toBe(2);
    now = 1150;
    expect(m.get('b')).toBeUndefined();
    expect(dropped).toEqual(['a', 'b']);
  });

  it('evicts the oldest entries past its size and take() removes without reporting', () => {
    const dropped: string[] = [];
    const m = new TtlMap<string, number>(1000, 2, () => 0, (k) => dropped.push(k));
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 3); // refreshed: now the newest
    m.set('c', 4);
    expect(dropped).toEqual(['b']);
    expect(m.take('a')).toBe(3);
    expect(m.size).toBe(1);
    expect(dropped).toEqual(['b']);
  });
});
