/**
 * IP allow-lists (LiteLLM's `general_settings.allowed_ips`, a key's or team's
 * `metadata.allowed_ips`): single addresses and CIDR ranges, IPv4 and IPv6, with ipaddr.js. An
 * IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, what a dual-stack socket reports for an IPv4
 * peer) is the IPv4 address, on both sides. In `@sluice/plugin-sdk/node`, not the index: the
 * sandbox bundle does not need ipaddr.js.
 *
 * Plain dotted-quad and hex-group addresses (what sockets and proxy-addr report) are matched as
 * integers without ipaddr.js (~0.3 µs for a new client); other spellings go through ipaddr.js.
 * The verdicts of the last addresses seen are kept (bounded): a client calling again costs a Map
 * lookup.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface IpAllowlist {
  /** The entries as configured. */
  readonly entries: readonly string[];
  /** Whether `ip` (the client address the gateway resolved) is in the list; false for anything that is not an address. */
  allows(ip: string): boolean;
}

export class IpAllowlistError extends Error {
  constructor(readonly entry: string) {
    super(`not an IP address or CIDR range: ${JSON.stringify(entry)}`);
    this.name = 'IpAllowlistError';
  }
}

const VERDICTS_KEPT = 4096;

/** Unwraps an IPv4-mapped IPv6 address; undefined when `text` is not an address. */
function addressOf(text: string): Address | undefined {
  try {
    return ipaddr.process(text.trim());
  } catch {
    return undefined;
  }
}

/** A CIDR range, with `::ffff:a.b.c.d/104` read as `a.b.c.d/8`. */
function rangeOf(entry: string): [Address, number] | undefined {
  const text = entry.trim();
  if (!text.includes('/')) {
    const addr = addressOf(text);
    return addr && [addr, addr.kind() === 'ipv4' ? 32 : 128];
  }
  try {
    const [addr, bits] = ipaddr.parseCIDR(text);
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
    return [addr, bits];
  } catch {
    return undefined;
  }
}

function toInt(octets: readonly number[]): number {
  return ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
}

/** `::ffff:a.b.c.d` → `a.b.c.d` (any case); anything else unchanged. */
function unmapped(ip: string): string {
  return ip.length > 7 && ip.slice(0, 7).toLowerCase() === '::ffff:' ? ip.slice(7) : ip;
}

/** A strict dotted-decimal IPv4 address as a 32-bit number; undefined for anything else (left to ipaddr.js). */
function dottedQuad(ip: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i === ip.length ? 46 : ip.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || part > 255 || parts === 4) return undefined;
      value = (value << 8) | part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      // A leading zero is octal to some parsers: not the simple case.
      if (digits === 1 && part === 0) return undefined;
      part = part * 10 + (c - 48);
      digits++;
      if (digits > 3) return undefined;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value >>> 0 : undefined;
}

function wordsOf(parts: readonly number[]): number[] {
  return [0, 2, 4, 6].map((i) => ((parts[i]! << 16) | parts[i + 1]!) >>> 0);
}

function isMapped(parts: readonly number[]): boolean {
  return parts[0] === 0 && parts[1] === 0 && parts[2] === 0 && parts[3] === 0 && parts[4] === 0 && parts[5] === 0xffff;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The eight 16-bit groups of a plain IPv6 address (`2001:db8::1`, a zone id ignored), read in
 * one pass; undefined for anything else, which is then left to ipaddr.js (an embedded IPv4 tail,
 * or not an address at all).
 */
function ipv6Parts(ip: string): number[] | undefined {
  let end = ip.indexOf('%');
  if (end === -1) end = ip.length;
  const groups: number[] = [];
  let gapAt = -1;
  let i = 0;
  if (ip.charCodeAt(0) === 58 /* : */) {
    if (ip.charCodeAt(1) !== 58) return undefined;
    gapAt = 0;
    i = 2;
  }
  while (i < end) {
    let value = 0;
    let digits = 0;
    for (let d = hexDigit(ip.charCodeAt(i)); i < end && d !== -1; d = hexDigit(ip.charCodeAt(++i))) {
      if (++digits > 4) return undefined;
      value = (value << 4) | d;
    }
    if (digits === 0) return undefined;
    groups.push(value);
    if (i === end) break;
    if (ip.charCodeAt(i) !== 58 || ++i === end) return undefined;
    if (ip.charCodeAt(i) === 58) {
      if (gapAt !== -1) return undefined;
      gapAt = groups.length;
      i++;
    }
  }
  if (gapAt === -1) return groups.length === 8 ? groups : undefined;
  if (groups.length > 7) return undefined;
  groups.splice(gapAt, 0, ...new Array<number>(8 - groups.length).fill(0));
  return groups;
}

export interface IpAllowlistOptions {
  /** Leave out entries that are not addresses or ranges instead of throwing. */
  skipInvalid?: boolean;
  /** How many client addresses' verdicts are kept (default 4096); keep it small for lists compiled per key. */
  verdictsKept?: number;
}

/**
 * Compiles the entries once. An entry that is neither an address nor a range throws
 * `IpAllowlistError` (at config load); with `skipInvalid` (data written through an API) it is
 * left out, and a list left with nothing allows nobody.
 */
export function compileIpAllowlist(entries: readonly string[], options: IpAllowlistOptions = {}): IpAllowlist {
  const v4: [Address, number][] = [];
  const v6: [Address, number][] = [];
  for (const entry of entries) {
    const range = typeof entry === 'string' ? rangeOf(entry) : undefined;
    if (!range) {
      if (options.skipInvalid) continue;
      throw new IpAllowlistError(String(entry));
    }
    (range[0].kind() === 'ipv4' ? v4 : v6).push(range);
  }
  // IPv4 ranges as 32-bit (base, mask) pairs: a dotted-quad client (what sockets report) is then
  // matched without parsing through ipaddr.js.
  const v4Int = v4.map(([base, bits]): [number, number] => {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return [(toInt((base as ipaddr.IPv4).octets) & mask) >>> 0, mask];
  });
  // IPv6 ranges as four 32-bit words and masks, for the same reason.
  const v6Words = v6.map(([base, bits]): [number[], number[]] => {
    const masks = [0, 1, 2, 3].map((k) => {
      const left = Math.min(32, Math.max(0, bits - 32 * k));
      return left === 0 ? 0 : (0xffffffff << (32 - left)) >>> 0;
    });
    const words = wordsOf((base as ipaddr.IPv6).parts);
    return [words.map((w, k) => (w & masks[k]!) >>> 0), masks];
  });
  const verdicts = new Map<string, boolean>();
  const kept = options.verdictsKept ?? VERDICTS_KEPT;
  const decide = (ip: string): boolean => {
    const quad = dottedQuad(ip.length > 7 && (ip.charCodeAt(0) === 58 /* : */) ? unmapped(ip) : ip);
    if (quad !== undefined) {
      for (const [base, mask] of v4Int) if (((quad & mask) >>> 0) === base) return true;
      return false;
    }
    const parts = ip.includes(':') ? ipv6Parts(ip) : undefined;
    if (parts !== undefined && !isMapped(parts)) {
      const words = wordsOf(parts);
      for (const [base, masks] of v6Words) {
        if (((words[0]! & masks[0]!) >>> 0) === base[0] && ((words[1]! & masks[1]!) >>> 0) === base[1] && ((words[2]! & masks[2]!) >>> 0) === base[2] && ((words[3]! & masks[3]!) >>> 0) === base[3]) return true;
      }
      return false;
    }
    const addr = addressOf(ip);
    if (!addr) return false;
    const ranges = addr.kind() === 'ipv4' ? v4 : v6;
    for (const [base, bits] of ranges) if (addr.match(base, bits)) return true;
    return false;
  };
  return Object.freeze({
    entries: Object.freeze([...entries]),
    allows(ip: string): boolean {
      let verdict = verdicts.get(ip);
      if (verdict === undefined) {
        verdict = decide(ip);
        if (verdicts.size >= kept) verdicts.clear();
        verdicts.set(ip, verdict);
      }
      return verdict;
    },
  });
}
