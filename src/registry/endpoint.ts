/**
 * Where a registry lives and how dcm may talk to it. Pure.
 */
/** Host name without port or IPv6 brackets, lower case. */
export function hostname(hostPort: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(hostPort);
  if (bracketed) return bracketed[1]!.toLowerCase();
  // A bare IPv6 address (what a resolver returns) has no port: `::ffff:7f00:1` keeps its `:1`.
  if (hostPort.indexOf(':') !== hostPort.lastIndexOf(':')) return hostPort.toLowerCase();
  return hostPort.replace(/:\d+$/, '').toLowerCase();
}

/**
 * Loopback hosts: the only ones plain HTTP is used for without --insecure (Docker treats
 * 127.0.0.0/8 and ::1 as insecure registries by default), and the only ones credentials may be
 * sent to over plain HTTP at all.
 */
export function isLoopback(host: string): boolean {
  const name = hostname(host);
  return name === 'localhost' || name.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || name === '::1';
}

/** The certs.d directory name Docker uses for a host: `host:port`, without the colon on Windows. */
export function certsDirName(hostPort: string, platform: string): string {
  return platform === 'win32' ? hostPort.replace(/:/g, '') : hostPort;
}

/**
 * What kind of network an address is on, for the realm guard (docs/registry-auth.md): a token
 * realm or a redirect on another host may lead only to public addresses, or to the kind the
 * registry itself is on, so that a hostile registry cannot aim dcm at this machine's services,
 * the cloud metadata service (169.254.169.254) or the internal network. A host name that is not
 * an IP literal is `name` (its addresses are checked when it is resolved).
 */
export type AddressKind = 'loopback' | 'link-local' | 'private' | 'public' | 'name';

export function addressKind(host: string): AddressKind {
  const name = hostname(host).replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  const v4 = ipv4Of(name);
  if (v4) return ipv4Kind(v4);
  if (!name.includes(':')) return 'name';
  const v6 = ipv6Of(name.replace(/%.*$/, ''));
  // Not an address the parser or a resolver produces: the strictest reading that is not "public".
  if (!v6) return 'private';
  return ipv6Kind(v6);
}

function ipv4Kind([a, b, c]: number[]): AddressKind {
  if (a === 127 || a === 0) return 'loopback'; // 0.0.0.0/8 reaches this machine on Linux
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168) || (a === 100 && b! >= 64 && b! <= 127)) return 'private';
  // 192.0.0.0/24 (IETF protocol assignments), 198.18.0.0/15 (benchmarking), multicast, reserved, broadcast.
  if ((a === 192 && b === 0 && c === 0) || (a === 198 && (b === 18 || b === 19)) || a! >= 224) return 'private';
  return 'public';
}

/**
 * An IPv6 address by what it reaches. An address that carries an IPv4 address (IPv4-mapped
 * `::ffff:a.b.c.d`, which the URL parser writes as `::ffff:7f00:1`; the deprecated IPv4-compatible
 * `::a.b.c.d`; SIIT's `::ffff:0:a.b.c.d`; NAT64's `64:ff9b::/96`; 6to4's `2002:AABB:CCDD::/48`)
 * is classified as the IPv4 address it leads to, in whatever spelling it came.
 */
function ipv6Kind(groups: number[]): AddressKind {
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  const v4At = (i: number) => [groups[i]! >> 8, groups[i]! & 0xff, groups[i + 1]! >> 8, groups[i + 1]! & 0xff];
  if (zeros(0, 7) && groups[7]! <= 1) return 'loopback'; // ::1, and :: (the unspecified address reaches this machine)
  if (zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0)) return ipv4Kind(v4At(6)); // mapped, compatible
  if (zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0) return ipv4Kind(v4At(6)); // SIIT
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return ipv4Kind(v4At(6)); // NAT64
  if (groups[0] === 0x2002) return ipv4Kind(v4At(1)); // 6to4
  const first = groups[0]!;
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  // Unique local fc00::/7, the deprecated site-local fec0::/10, multicast ff00::/8.
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfec0 || (first & 0xff00) === 0xff00) return 'private';
  return 'public';
}

function ipv4Of(name: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

/** The eight 16-bit groups of an IPv6 address (`::` and a dotted IPv4 tail expanded), or undefined. */
export function ipv6Of(text: string): number[] | undefined {
  let address = text.toLowerCase();
  const tail = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (tail) {
    const octets = ipv4Of(tail[2]!);
    if (!octets) return undefined;
    address = `${tail[1]}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (all.some((group) => !/^[\da-f]{1,4}$/.test(group))) return undefined;
  return all.map((group) => Number.parseInt(group, 16));
}

/**
 * Whether a host other than the registry's may be reached at an address of kind `target`: a
 * public one always; a loopback, link-local or private one only when the registry is on the
 * same kind of network (a registry on 10.0.0.5 with its token service on 10.0.0.6).
 */
export function mayReach(registry: AddressKind, target: AddressKind): boolean {
  return target === 'public' || target === 'name' || target === registry;
}
