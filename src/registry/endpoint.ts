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
