/**
 * The Docker daemon's daemon.json, as far as dcm reads it: `insecure-registries`, which Docker
 * honours the way it honours `--insecure` (skip TLS verification, then try plain HTTP), so a
 * registry declared insecure to Docker need not be declared again to dcm (docs/registry-auth.md).
 *
 * Where: `--daemon-config PATH`; else the rootless daemon's `$XDG_CONFIG_HOME/docker/daemon.json`
 * when it exists; else `/etc/docker/daemon.json` (`%ProgramData%\docker\config\daemon.json`).
 * The file is read with config.json's reader: a bounded regular file, a JSON object.
 */
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import { xdgDir, type Env } from '../platform/paths.ts';
import { readDockerConfig } from './config-file.ts';

export function daemonConfigPath(env: Env, explicit?: string): string {
  if (explicit) return explicit;
  if (platform() === 'win32') return join(env.ProgramData || 'C:\\ProgramData', 'docker', 'config', 'daemon.json');
  const rootless = join(xdgDir(env, 'XDG_CONFIG_HOME') || join(env.HOME || homedir(), '.config'), 'docker', 'daemon.json');
  return existsSync(rootless) ? rootless : '/etc/docker/daemon.json';
}

/** The daemon's settings ({} when the file is missing); a file that cannot be parsed is an error. */
export function readDaemonConfig(path: string): Record<string, unknown> {
  return readDockerConfig(path).data;
}

/** `insecure-registries`: host names (`host[:port]`) and CIDRs, as written. */
export function insecureRegistries(config: Record<string, unknown>): string[] {
  const entries = config['insecure-registries'];
  return Array.isArray(entries) ? entries.filter((entry): entry is string => typeof entry === 'string' && entry !== '') : [];
}

/**
 * Whether Docker treats `hostPort` as insecure by these entries (moby `registry/config.go`
 * `isSecureIndex`): an entry naming it exactly (`host:port`, or `host` without a port), else
 * a CIDR containing an address the host has (a literal, or what its name resolves to).
 */
export async function matchesInsecure(hostPort: string, entries: readonly string[]): Promise<string | undefined> {
  const host = hostPort.replace(/^\[|\](?=:|$)/g, '');
  const exact = entries.find((entry) => entry.toLowerCase() === hostPort.toLowerCase());
  if (exact) return exact;
  const cidrs = entries.filter((entry) => /^[\d.]+\/\d{1,2}$|^[\da-f:]+\/\d{1,3}$/i.test(entry));
  if (cidrs.length === 0) return undefined;
  const name = host.replace(/:\d+$/, '');
  let addresses: string[];
  try {
    addresses = /^[\d.]+$|:/.test(name) ? [name] : (await lookup(name, { all: true })).map((entry) => entry.address);
  } catch {
    return undefined;
  }
  return cidrs.find((cidr) => addresses.some((address) => inCidr(address, cidr)));
}

/** Whether an IPv4 or IPv6 address lies in a CIDR of the same family. Pure. */
export function inCidr(address: string, cidr: string): boolean {
  const [network = '', bitsText = ''] = cidr.split('/');
  const a = toBits(address);
  const n = toBits(network);
  const bits = Number(bitsText);
  if (!a || !n || a.length !== n.length || !Number.isInteger(bits) || bits < 0 || bits > a.length) return false;
  return a.slice(0, bits) === n.slice(0, bits);
}

function toBits(address: string): string | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    const octets = address.split('.').map(Number);
    if (octets.some((octet) => octet > 255)) return undefined;
    return octets.map((octet) => octet.toString(2).padStart(8, '0')).join('');
  }
  if (!address.includes(':')) return undefined;
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const all = [...left, ...Array<string>(missing).fill('0'), ...right];
  if (all.some((group) => !/^[\da-f]{1,4}$/i.test(group))) return undefined;
  return all.map((group) => Number.parseInt(group, 16).toString(2).padStart(16, '0')).join('');
}
