import { cidrContains, formatIp, parseCidr, parseIpAddr, parseIpv4, parseIpv6 } from './ip';

describe('IP parsing like Rust std', () => {
  it.each<[string, number | undefined]>([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['10.0.0.1', 0x0a000001],
    ['256.0.0.1', undefined],
    ['01.0.0.1', undefined], // Rust rejects leading zeros
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    ['', undefined],
  ])('ipv4 %p', (s, n) => {
    expect(parseIpv4(s)).toBe(n);
  });

  it.each<[string, string | undefined]>([
    ['::', '::'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['fe80::1:0:0:1', 'fe80::1:0:0:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1::2::3', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['12345::', undefined],
    [':1', undefined],
    ['fe80::1%eth0', undefined],
  ])('ipv6 %p → %p', (s, canon) => {
    const n = parseIpv6(s);
    expect(n === undefined ? undefined : formatIp({ v: 6, n })).toBe(canon);
  });

  it('parseIpAddr picks the family', () => {
    expect(parseIpAddr('10.0.0.1')).toEqual({ v: 4, n: 0x0a000001 });
    expect(parseIpAddr('::1')).toEqual({ v: 6, n: 1n });
    expect(parseIpAddr('example.com')).toBeUndefined();
  });
});

describe('CIDR', () => {
  it('host bits must be zero, lengths bounded (cidr crate wording)', () => {
    expect(parseCidr('10.0.0.1', '8', 4)).toEqual({ ok: false, message: 'host part of address was not zero' });
    expect(parseCidr('10.0.0.0', '33', 4)).toEqual({
      ok: false,
      message: 'invalid length for network: Network length 33 is too long for Ipv4 (maximum: 32)',
    });
    expect(parseCidr('::', '129', 6)).toMatchObject({ ok: false, message: expect.stringMatching(/maximum: 128/) });
    expect(parseCidr('fe80::1', '10', 6)).toEqual({ ok: false, message: 'host part of address was not zero' });
    expect(parseCidr('0.0.0.0', '0', 4)).toMatchObject({ ok: true });
    // leading zeros are fine in a CIDR (decimal, not octal), though not in a plain address
    expect(parseCidr('010.00.0.08', '32', 4)).toEqual({ ok: true, cidr: { v: 4, net: 0x0a000008, len: 32 } });
    expect(parseCidr('1.1.1.256', '32', 4)).toEqual({ ok: false, message: "couldn't parse address in network: invalid IPv4 address syntax" });
    expect(parseCidr('10.0.0.1', '32', 4)).toMatchObject({ ok: true });
  });

  it('contains, including /0, /32, /128 and family mismatch', () => {
    const c = (a: string, l: string, v: 4 | 6) => {
      const r = parseCidr(a, l, v);
      if (!r.ok) throw new Error(r.message);
      return r.cidr;
    };
    const ip = (s: string) => parseIpAddr(s)!;
    expect(cidrContains(c('10.0.0.0', '8', 4), ip('10.255.255.255'))).toBe(true);
    expect(cidrContains(c('10.0.0.0', '8', 4), ip('11.0.0.0'))).toBe(false);
    expect(cidrContains(c('0.0.0.0', '0', 4), ip('255.255.255.255'))).toBe(true);
    expect(cidrContains(c('128.0.0.0', '1', 4), ip('200.0.0.1'))).toBe(true);
    expect(cidrContains(c('128.0.0.0', '1', 4), ip('100.0.0.1'))).toBe(false);
    expect(cidrContains(c('10.0.0.1', '32', 4), ip('10.0.0.1'))).toBe(true);
    expect(cidrContains(c('2001:db8::', '32', 6), ip('2001:db8:ffff::1'))).toBe(true);
    expect(cidrContains(c('::', '0', 6), ip('::1'))).toBe(true);
    expect(cidrContains(c('::1', '128', 6), ip('::1'))).toBe(true);
    expect(cidrContains(c('::', '0', 6), ip('10.0.0.1'))).toBe(false);
    expect(cidrContains(c('0.0.0.0', '0', 4), ip('::ffff:10.0.0.1'))).toBe(false);
  });
});
