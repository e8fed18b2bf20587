/**
 * IP addresses and CIDRs with the semantics of Rust's std `IpAddr` parser and the `cidr` crate,
 * which is what Kong's ATC router uses: dotted IPv4 without leading zeros, standard IPv6 text
 * (no embedded IPv4 in literals, the grammar cannot express it), CIDR host bits must be zero.
 */

export type IpAddr = { v: 4; n: number } | { v: 6; n: bigint };
export interface IpCidr {
  v: 4 | 6;
  /** network address, host bits zero */
  net: number | bigint;
  len: number;
}

/** Rust `Ipv4Addr::from_str`: exactly four decimal octets 0..255, no leading zeros. */
export function parseIpv4(s: string): number | undefined {
  // hand-rolled (this runs once per trace for IpAddr fields): 4 octets of 1-3 digits, no leading 0
  let n = 0;
  let octets = 0;
  let i = 0;
  while (octets < 4) {
    const start = i;
    let o = 0;
    while (i < s.length && i - start < 4) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      o = o * 10 + (c - 48);
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 3 || o > 255 || (len > 1 && s.charCodeAt(start) === 48)) return undefined;
    n = n * 256 + o;
    octets++;
    if (octets < 4) {
      if (s.charCodeAt(i) !== 46) return undefined;
      i++;
    }
  }
  return i === s.length ? n : undefined;
}

/** Rust `Ipv6Addr::from_str`: 8 groups of 1-4 hex digits, at most one `::`, optional trailing dotted IPv4. */
export function parseIpv6(s: string): bigint | undefined {
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(it)) return undefined;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  let words: number[];
  if (dbl === -1) {
    const g = groups(s);
    if (!g || g.length !== 8) return undefined;
    words = g;
  } else {
    const head = groups(s.slice(0, dbl));
    const tail = groups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let n = 0n;
  for (const w of words) n = (n << 16n) | BigInt(w);
  return n;
}

/** Parse an address as it arrives in a span attribute (v4 or v6); undefined when unparsable. */
export function parseIpAddr(s: string): IpAddr | undefined {
  if (s.includes(':')) {
    // attributes sometimes carry a zone id (fe80::1%eth0); Rust's parser rejects it, so do we
    const n = parseIpv6(s);
    return n === undefined ? undefined : { v: 6, n };
  }
  const n = parseIpv4(s);
  return n === undefined ? undefined : { v: 4, n };
}

export type CidrResult = { ok: true; cidr: IpCidr } | { ok: false; message: string };

/** `cidr` crate `IpCidr::from_str` on `addr/len`, with its error wording. */
export function parseCidr(addrText: string, lenText: string, v: 4 | 6): CidrResult {
  const max = v === 4 ? 32 : 128;
  const len = Number(lenText);
  // the cidr crate's own IPv4 parser accepts leading zeros (decimal: 010 is 10), unlike std's
  const addr = v === 4 ? parseIpv4(addrText.replace(/(^|\.)0+(?=\d)/g, '$1')) : parseIpv6(addrText);
  if (addr === undefined) return { ok: false, message: `couldn't parse address in network: invalid IPv${v} address syntax` };
  if (len > max) {
    return {
      ok: false,
      message: `invalid length for network: Network length ${len} is too long for Ipv${v} (maximum: ${max})`,
    };
  }
  if (v === 4) {
    const hostBits = 32 - len;
    const host = (addr as number) % 2 ** hostBits;
    if (host !== 0) return { ok: false, message: 'host part of address was not zero' };
  } else {
    const hostMask = (1n << BigInt(128 - len)) - 1n;
    if (((addr as bigint) & hostMask) !== 0n) return { ok: false, message: 'host part of address was not zero' };
  }
  return { ok: true, cidr: { v, net: addr, len } };
}

/** CIDR containment; a different address family is simply "not contained" (ATC: `in` false, `not in` true). */
export function cidrContains(c: IpCidr, a: IpAddr): boolean {
  if (c.v !== a.v) return false;
  if (a.v === 4) {
    const hostBits = 32 - c.len;
    return Math.floor(a.n / 2 ** hostBits) === Math.floor((c.net as number) / 2 ** hostBits);
  }
  const shift = BigInt(128 - c.len);
  return a.n >> shift === (c.net as bigint) >> shift;
}

export function ipEquals(a: IpAddr, b: IpAddr): boolean {
  return a.v === b.v && a.n === b.n;
}

/** Canonical text (Rust Display): dotted quad, or RFC 5952 compressed IPv6. */
export function formatIp(a: IpAddr): string {
  if (a.v === 4) {
    const n = a.n;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((a.n >> BigInt(i * 16)) & 0xffffn));
  // longest run of >= 2 zero words is compressed
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (best === -1) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

export function formatCidr(c: IpCidr): string {
  return `${formatIp(c.v === 4 ? { v: 4, n: c.net as number } : { v: 6, n: c.net as bigint })}/${c.len}`;
}
