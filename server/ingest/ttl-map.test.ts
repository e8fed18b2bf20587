import { TtlMap, TtlSet } from './ttl-map';

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

describe('TtlSet', () => {
  it('forgets members ttl after they were last added, on a check or a sweep', () => {
    let now = 1000;
    const s = new TtlSet<string>(100, 10, () => now);
    s.add('a');
    now = 1050;
    s.add('b');
    now = 1060;
    s.add('a'); // added again: its ttl starts over (until 1160), and it is now the newest
    now = 1100;
    s.sweep();
    expect([s.has('a'), s.has('b'), s.size]).toEqual([true, true, 2]);
    now = 1150;
    s.sweep(); // b's time is up; the sweep stops at a, which is not
    expect([s.size, s.has('a')]).toEqual([1, true]);
    now = 1160;
    expect([s.has('a'), s.size]).toEqual([false, 0]); // the check removed it
  });

  it('keeps at most its size, forgetting the oldest first', () => {
    const s = new TtlSet<string>(1000, 2, () => 0);
    s.add('a');
    s.add('b');
    s.add('a');
    s.add('c');
    expect([s.has('a'), s.has('b'), s.has('c'), s.size]).toEqual([true, false, true, 2]);
  });
});
