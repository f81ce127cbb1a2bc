/**
 * Docker Hub mirrors, as the clients on this machine configure them (docs/mirrors.md), and who
 * sends them which credentials. Four formats:
 * - daemon.json `registry-mirrors` (dockerd): URLs;
 * - containerd `hosts.toml` for `docker.io` (Docker 29's `/etc/docker/certs.d/docker.io/`,
 *   containerd's `/etc/containerd/certs.d/docker.io/`, and the rootless `$XDG_CONFIG_HOME`
 *   twins): `[host."https://mirror"]` tables whose `capabilities` include `pull`;
 * - BuildKit's `buildkitd.toml`: `[registry."docker.io"] mirrors = ["host[/path]"]`, not URLs;
 * - containers' `registries.conf` (podman, skopeo): `[[registry.mirror]] location` under the
 *   `[[registry]]` whose prefix or location is `docker.io`.
 * TOML is parsed by smol-toml, a maintained TOML 1.0 parser; a file that does not parse is a
 * finding of its own, never a silent empty list.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../errors.ts';
import { FileProblem, readRegularFile } from '../platform/files.ts';
import { xdgDir, type Env } from '../platform/paths.ts';
import { readDaemonConfig } from './daemon-config.ts';

export type MirrorSource = 'daemon.json' | 'hosts.toml' | 'buildkitd.toml' | 'registries.conf';
/**
 * `dockerd`: daemon.json's `registry-mirrors`, used by whichever image store the daemon runs.
 * `dockerd-containerd`: Docker's own hosts.toml, read only by the containerd image store.
 */
export type MirrorClient = 'dockerd' | 'dockerd-containerd' | 'containerd' | 'buildkit' | 'podman';

export interface MirrorEntry {
  url: string;
  source: MirrorSource;
  path: string;
  clients: MirrorClient[];
}

/** A configuration file that exists but could not be read or parsed. */
export interface MirrorFileProblem {
  source: MirrorSource;
  path: string;
  message: string;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/** Every file each client reads its mirrors from, system first, then the rootless one. */
export function mirrorConfigPaths(env: Env, daemonConfig: string): Array<{ source: MirrorSource; path: string; clients: MirrorClient[] }> {
  const config = xdgDir(env, 'XDG_CONFIG_HOME') || join(env.HOME || homedir(), '.config');
  const containersHome = join(env.HOME || homedir(), '.config', 'containers');
  const registriesD = (dir: string) => {
    try {
      return readdirSync(dir)
        .filter((name) => name.endsWith('.conf'))
        .sort()
        .map((name) => join(dir, name));
    } catch {
      return [];
    }
  };
  return [
    { source: 'daemon.json', path: daemonConfig, clients: ['dockerd'] },
    { source: 'hosts.toml', path: '/etc/docker/certs.d/docker.io/hosts.toml', clients: ['dockerd-containerd'] },
    { source: 'hosts.toml', path: join(config, 'docker', 'certs.d', 'docker.io', 'hosts.toml'), clients: ['dockerd-containerd'] },
    { source: 'hosts.toml', path: '/etc/containerd/certs.d/docker.io/hosts.toml', clients: ['containerd'] },
    { source: 'hosts.toml', path: join(config, 'containerd', 'certs.d', 'docker.io', 'hosts.toml'), clients: ['containerd'] },
    { source: 'buildkitd.toml', path: '/etc/buildkit/buildkitd.toml', clients: ['buildkit'] },
    { source: 'buildkitd.toml', path: join(config, 'buildkit', 'buildkitd.toml'), clients: ['buildkit'] },
    ...['/etc/containers/registries.conf', ...registriesD('/etc/containers/registries.conf.d')].map((path) => ({
      source: 'registries.conf' as const,
      path,
      clients: ['podman' as const],
    })),
    // containers/image reads a user's registries.conf and its drop-ins under HOME, whatever
    // XDG_CONFIG_HOME says (containers-registries.conf(5), containers-registries.conf.d(5)).
    ...[join(containersHome, 'registries.conf'), ...registriesD(join(containersHome, 'registries.conf.d'))].map((path) => ({
      source: 'registries.conf' as const,
      path,
      clients: ['podman' as const],
    })),
  ];
}

/** Every Docker Hub mirror configured here, and the files that could not be read. */
export function findMirrors(env: Env, daemonConfig: string): { mirrors: MirrorEntry[]; problems: MirrorFileProblem[] } {
  const mirrors: MirrorEntry[] = [];
  const problems: MirrorFileProblem[] = [];
  const seen = new Set<string>();
  for (const file of mirrorConfigPaths(env, daemonConfig)) {
    if (seen.has(file.path) || !existsSync(file.path)) continue;
    seen.add(file.path);
    try {
      for (const url of mirrorsIn(file.source, file.path))
        mirrors.push({ url: displayMirror(url), source: file.source, path: file.path, clients: file.clients });
    } catch (error) {
      problems.push({ source: file.source, path: file.path, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { mirrors, problems };
}

function mirrorsIn(source: MirrorSource, path: string): string[] {
  if (source === 'daemon.json') return registryMirrors(readDaemonConfig(path));
  let text: string;
  try {
    text = readRegularFile(path, { maxBytes: MAX_CONFIG_BYTES }).toString('utf8');
  } catch (error) {
    throw new Error(error instanceof FileProblem ? error.message : `${path} cannot be read`);
  }
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const line = (error as { line?: number }).line;
    throw new Error(`${path} is not valid TOML${line ? ` (line ${line})` : ''}`);
  }
  if (source === 'hosts.toml') return hostsTomlMirrors(data);
  if (source === 'buildkitd.toml') return buildkitMirrors(data);
  return registriesConfMirrors(data);
}

/** daemon.json's `registry-mirrors`, as written. */
export function registryMirrors(config: Record<string, unknown>): string[] {
  const value = config['registry-mirrors'];
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '').map((e) => e.trim()) : [];
}

/** hosts.toml: `[host."URL"]` tables that may pull (no `capabilities` means all of them). */
export function hostsTomlMirrors(data: Record<string, unknown>): string[] {
  const hosts = data.host;
  if (!isTable(hosts)) return [];
  return Object.entries(hosts)
    .filter(([, settings]) => {
      const capabilities = isTable(settings) ? settings.capabilities : undefined;
      return !Array.isArray(capabilities) || capabilities.includes('pull');
    })
    .map(([url]) => (/^[a-z]+:\/\//i.test(url) ? url : `https://${url}`));
}

/** buildkitd.toml: `mirrors` of `registry."docker.io"`, each `host[/path]`; `http = true` on the mirror's own table means plain HTTP. */
export function buildkitMirrors(data: Record<string, unknown>): string[] {
  const registries = data.registry;
  if (!isTable(registries)) return [];
  const hub = registries['docker.io'];
  const mirrors = isTable(hub) && Array.isArray(hub.mirrors) ? hub.mirrors.filter((m): m is string => typeof m === 'string' && m !== '') : [];
  return mirrors.map((mirror) => {
    if (/^[a-z]+:\/\//i.test(mirror)) return mirror;
    const own = registries[mirror.split('/')[0]!];
    return `${isTable(own) && own.http === true ? 'http' : 'https'}://${mirror}`;
  });
}

/** registries.conf: the mirrors of the `[[registry]]` for `docker.io` (or `docker.io/library`). */
export function registriesConfMirrors(data: Record<string, unknown>): string[] {
  const registries = Array.isArray(data.registry) ? data.registry.filter(isTable) : [];
  return registries
    .filter((registry) => {
      const name = typeof registry.prefix === 'string' && registry.prefix !== '' ? registry.prefix : registry.location;
      return typeof name === 'string' && /^(docker\.io|index\.docker\.io|registry-1\.docker\.io)(\/library)?$/.test(name);
    })
    .flatMap((registry) => (Array.isArray(registry.mirror) ? registry.mirror.filter(isTable) : []))
    .filter((mirror) => typeof mirror.location === 'string' && mirror.location !== '')
    .map((mirror) => `${mirror.insecure === true ? 'http' : 'https'}://${mirror.location as string}`);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A mirror URL checked with the daemon's own rules and messages (moby `ValidateMirror`): http
 * or https, no credentials, no query or fragment; a path is allowed (Artifactory and Nexus serve
 * mirrors under one). Returns the form the daemon keeps: with one trailing slash.
 */
export function validateMirror(raw: string): string {
  const text = raw.trim();
  if (text.length > 2048) throw new UsageError('invalid mirror: longer than 2048 characters');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`invalid mirror: no scheme specified for ${JSON.stringify(displayMirror(text))}: must use either 'https://' or 'http://'`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(
      `invalid mirror: unsupported scheme ${JSON.stringify(url.protocol.replace(':', ''))} in ${JSON.stringify(url.host)}: must use either 'https://' or 'http://'`,
    );
  if (url.username || url.password) throw new UsageError('invalid mirror: username/password not allowed in URI');
  // moby: `invalid mirror: query or fragment at end of the uri: %s`, with the URL as given (here
  // without any user:password, and cut to 200 characters).
  if (url.search || url.hash || text.includes('?') || text.includes('#'))
    throw new UsageError(`invalid mirror: query or fragment at end of the uri: ${displayMirror(text)}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/`;
}

/**
 * A mirror as it may be shown: at most 200 characters, and any `user:password@` cut out (moby
 * echoes the whole string; a password written into a mirror URL must not reach output).
 */
export function displayMirror(raw: string): string {
  return raw.replace(/^((?:[a-z][\w+.-]*:)?\/\/)?[^/@\s]*@/i, '$1').slice(0, 200);
}

/** The same mirror, however it is spelled (case of the host, a trailing slash). */
export function sameMirror(a: string, b: string): boolean {
  const canonical = (url: string) => {
    try {
      const parsed = new URL(url.trim());
      return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
    } catch {
      return url.trim().replace(/\/+$/, '');
    }
  };
  return canonical(a) === canonical(b);
}

// --- Who sends a mirror which credentials (docs/mirrors.md, with the moby and BuildKit sources).

/** Which image store dockerd uses: classic (graph drivers) or containerd's. */
export type ImageStore = 'classic' | 'containerd';

/** What a client sends a mirror: the Docker Hub login, the login for the mirror's own host, or nothing. */
export type MirrorCredentials = 'hub-login' | 'mirror-login' | 'none';

/**
 * Pure. The classic image store hands the pull's Docker Hub credential to every endpoint,
 * mirrors included (moby#42022), and never uses a `docker login <mirror>` (moby#30880); the
 * containerd image store releases credentials only to registry-1.docker.io, so mirrors get
 * none; BuildKit, podman and containerd's own clients (nerdctl) look credentials up by the
 * mirror's host.
 */
export function credentialsSentBy(client: MirrorClient, imageStore: ImageStore): MirrorCredentials {
  if (client === 'dockerd') return imageStore === 'classic' ? 'hub-login' : 'none';
  // Docker's hosts.toml is read by the containerd image store alone, whatever daemon.json says.
  if (client === 'dockerd-containerd') return 'none';
  return 'mirror-login';
}

/** How a client reads in messages. */
export function clientLabel(client: MirrorClient, imageStore: ImageStore): string {
  if (client === 'dockerd') return imageStore === 'containerd' ? 'the containerd image store (dockerd)' : 'the classic image store (dockerd)';
  return {
    'dockerd-containerd': "the containerd image store (dockerd, from Docker's hosts.toml)",
    containerd: 'containerd (nerdctl)',
    buildkit: 'BuildKit',
    podman: 'podman and skopeo',
  }[client];
}

/**
 * Which image store dockerd uses, from daemon.json's `features.containerd-snapshotter`, else
 * the default of the daemon's version (containerd since Docker 29), with the reason.
 */
export function imageStoreOf(daemonConfig: Record<string, unknown>, dockerVersion: string | undefined): { store: ImageStore; why: string } {
  const features = daemonConfig.features;
  const flag = isTable(features) ? features['containerd-snapshotter'] : undefined;
  if (typeof flag === 'boolean') return { store: flag ? 'containerd' : 'classic', why: `features.containerd-snapshotter is ${flag} in daemon.json` };
  const major = dockerVersion ? Number(/^(\d+)\./.exec(dockerVersion)?.[1]) : Number.NaN;
  if (Number.isFinite(major)) return { store: major >= 29 ? 'containerd' : 'classic', why: `the default for Docker ${dockerVersion}` };
  return { store: 'containerd', why: 'the default since Docker 29 (no Docker version could be read)' };
}
