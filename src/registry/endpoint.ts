/**
 * Where a registry lives and how dcm may talk to it. Pure.
 */
/** Host name without port or IPv6 brackets, lower case. */
export function hostname(hostPort: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(hostPort);
  if (bracketed) return bracketed[1]!.toLowerCase();
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
  const name = hostname(host);
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  const v4 = ipv4Of(name);
  if (v4) {
    const [a, b] = v4;
    if (a === 127 || a === 0) return 'loopback'; // 0.0.0.0/8 reaches this machine on Linux
    if (a === 169 && b === 254) return 'link-local';
    if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168) || (a === 100 && b! >= 64 && b! <= 127)) return 'private';
    return 'public';
  }
  if (!name.includes(':')) return 'name';
  const v6 = name.replace(/%.*$/, '');
  if (v6 === '::1' || v6 === '::') return 'loopback';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped) return addressKind(mapped[1]!);
  if (/^fe[89ab]/.test(v6)) return 'link-local';
  if (/^f[cd]/.test(v6)) return 'private';
  return 'public';
}

function ipv4Of(name: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

/**
 * Whether a host other than the registry's may be reached at an address of kind `target`: a
 * public one always; a loopback, link-local or private one only when the registry is on the
 * same kind of network (a registry on 10.0.0.5 with its token service on 10.0.0.6).
 */
export function mayReach(registry: AddressKind, target: AddressKind): boolean {
  return target === 'public' || target === 'name' || target === registry;
}
