/**
 * Classifies IP addresses so webhook delivery never reaches the service's own network (cloud metadata
 * at 169.254.169.254, VPC peers, the carrier NAT, loopback). Pure and browser-safe: the same rules
 * check a URL literal at write time and every resolved address at delivery time.
 */

export type AddressClass =
  'public' | 'loopback' | 'private' | 'link_local' | 'cgnat' | 'reserved' | 'multicast' | 'unspecified';

export type ParsedAddress = { version: 4; bytes: number[] } | { version: 6; bytes: number[] };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string): number[] | null {
  const m = IPV4.exec(text);
  if (m === null) return null;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

function parseIpv6(input: string): number[] | null {
  // A zone (`fe80::1%eth0`) names an interface, not part of the address.
  const text = input.split('%')[0] ?? '';
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tailV4 = v4;
    head = text.slice(0, lastColon + 1);
    // `::1.2.3.4` leaves `::`; `64:ff9b::1.2.3.4` leaves `64:ff9b::`; `1::2:1.2.3.4` leaves `1::2:`.
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsWanted = 8 - tailV4.length / 2;
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0] ?? '');
  const right = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (left === null || right === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = groupsWanted - left.length - right.length;
    if (missing < 1) return null;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    if (left.length !== groupsWanted) return null;
    groups = left;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return [...bytes, ...tailV4];
}

/** Parses an IPv4 dotted quad or an IPv6 address (with or without brackets); null when it is neither. */
export function parseIpAddress(text: string): ParsedAddress | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { version: 4, bytes: v4 };
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!bare.includes(':')) return null;
  const v6 = parseIpv6(bare);
  return v6 === null ? null : { version: 6, bytes: v6 };
}

export function isIpAddress(text: string): boolean {
  return parseIpAddress(text) !== null;
}

/** True when the first `bits` bits of `bytes` equal those of `prefix`. */
function inPrefix(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const remaining = Math.min(8, bits - i);
    const mask = (0xff << (8 - remaining)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((prefix[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

const IPV4_RANGES: ReadonlyArray<readonly [number[], number, AddressClass]> = [
  [[0, 0, 0, 0], 32, 'unspecified'],
  [[255, 255, 255, 255], 32, 'reserved'],
  [[0, 0, 0, 0], 8, 'reserved'], // "this network"
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'cgnat'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link_local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'], // IETF protocol assignments
  [[192, 0, 2, 0], 24, 'reserved'], // TEST-NET-1
  [[192, 88, 99, 0], 24, 'reserved'], // deprecated 6to4 relay anycast
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'], // benchmarking
  [[198, 51, 100, 0], 24, 'reserved'], // TEST-NET-2
  [[203, 0, 113, 0], 24, 'reserved'], // TEST-NET-3
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

function classifyIpv4(bytes: readonly number[]): AddressClass {
  for (const [prefix, bits, cls] of IPV4_RANGES) if (inPrefix(bytes, prefix, bits)) return cls;
  return 'public';
}

const V6 = (groups: number[]): number[] => groups.flatMap((g) => [g >> 8, g & 0xff]);

function classifyIpv6(bytes: readonly number[]): AddressClass {
  const zero = new Array<number>(16).fill(0);
  if (inPrefix(bytes, zero, 128)) return 'unspecified';
  if (inPrefix(bytes, V6([0, 0, 0, 0, 0, 0, 0, 1]), 128)) return 'loopback';
  // Addresses that carry an IPv4 address are as dangerous as that address: IPv4-mapped (::ffff:0:0/96),
  // well-known NAT64 (64:ff9b::/96), 6to4 (2002::/16, the IPv4 in bytes 2–5).
  if (inPrefix(bytes, V6([0, 0, 0, 0, 0, 0xffff, 0, 0]), 96)) return classifyIpv4(bytes.slice(12));
  if (inPrefix(bytes, V6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0]), 96)) return classifyIpv4(bytes.slice(12));
  if (inPrefix(bytes, V6([0x2002, 0, 0, 0, 0, 0, 0, 0]), 16)) return classifyIpv4(bytes.slice(2, 6));
  if (inPrefix(bytes, zero, 96)) return 'reserved'; // deprecated IPv4-compatible ::a.b.c.d
  if (inPrefix(bytes, V6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0]), 48)) return 'reserved'; // local-use NAT64
  if (inPrefix(bytes, V6([0x100, 0, 0, 0, 0, 0, 0, 0]), 64)) return 'reserved'; // discard-only
  if (inPrefix(bytes, V6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]), 32)) return 'reserved'; // documentation
  if (inPrefix(bytes, V6([0x3fff, 0, 0, 0, 0, 0, 0, 0]), 20)) return 'reserved'; // documentation
  // IETF protocol assignments (Teredo, ORCHID, AMT, …): tunnels and special purposes, not endpoints.
  if (inPrefix(bytes, V6([0x2001, 0, 0, 0, 0, 0, 0, 0]), 23)) return 'reserved';
  if (inPrefix(bytes, V6([0xfc00, 0, 0, 0, 0, 0, 0, 0]), 7)) return 'private'; // unique local
  if (inPrefix(bytes, V6([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 10)) return 'link_local';
  if (inPrefix(bytes, V6([0xfec0, 0, 0, 0, 0, 0, 0, 0]), 10)) return 'private'; // deprecated site-local
  if (inPrefix(bytes, V6([0xff00, 0, 0, 0, 0, 0, 0, 0]), 8)) return 'multicast';
  // Only 2000::/3 is allocated for global unicast; anything else is not a real destination.
  if (inPrefix(bytes, V6([0x2000, 0, 0, 0, 0, 0, 0, 0]), 3)) return 'public';
  return 'reserved';
}

/** The class of an IPv4 or IPv6 address. Throws on text that is not an IP address. */
export function classifyAddress(ip: string): AddressClass {
  const parsed = parseIpAddress(ip);
  if (parsed === null) throw new TypeError('not an IP address');
  return parsed.version === 4 ? classifyIpv4(parsed.bytes) : classifyIpv6(parsed.bytes);
}
