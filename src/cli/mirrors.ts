/**
 * The Docker Hub mirrors of this machine, checked as its clients use them: shared by
 * `dcm mirror` and `dcm doctor` (commands never import each other). Who sends a mirror which
 * credentials is docker/mirrors.ts's decision; here the logins are looked up, each mirror is
 * checked, and the surprises are spelled out (docs/mirrors.md).
 */
import { daemonConfigPath, readDaemonConfig } from '../docker/daemon-config.ts';
import {
  clientLabel,
  credentialsSentBy,
  findMirrors,
  imageStoreOf,
  sameMirror,
  type ImageStore,
  type MirrorClient,
  type MirrorEntry,
  type MirrorFileProblem,
} from '../docker/mirrors.ts';
import { DOCKER_HUB_KEY, normaliseServerUrl } from '../docker/server-address.ts';
import { oneLine } from '../errors.ts';
import type { MirrorCheckResult } from '../registry/mirror-check.ts';
import type { CommandContext, RegistryClient } from './context.ts';
import { dockerLogin } from './logins.ts';
import type { RegistryTarget } from './registry-target.ts';

export interface MirrorSetup {
  daemonConfig: string;
  mirrors: MirrorEntry[];
  problems: MirrorFileProblem[];
}

/** Every configured mirror, and the files that could not be read. Files only: nothing is run. */
export function mirrorSetup(ctx: CommandContext, daemonConfigOption?: string): MirrorSetup {
  const daemonConfig = daemonConfigPath(ctx.env, daemonConfigOption);
  return { daemonConfig, ...findMirrors(ctx.env, daemonConfig) };
}

/** Which image store dockerd uses here: asked only by what needs it (a check), since it runs `docker version`. */
export async function machineImageStore(ctx: CommandContext, daemonConfig: string): Promise<{ store: ImageStore; why: string }> {
  let settings: Record<string, unknown> = {};
  try {
    settings = readDaemonConfig(daemonConfig);
  } catch {
    // Already a problem findMirrors reported.
  }
  return imageStoreOf(settings, await dockerVersion(ctx));
}

/** The daemon's version when one answers, else the CLI's (the daemon it would run), else nothing. */
async function dockerVersion(ctx: CommandContext): Promise<string | undefined> {
  for (const format of ['{{.Server.Version}}', '{{.Client.Version}}']) {
    try {
      const result = await ctx.runProcess('docker', ['version', '--format', format], { env: ctx.env, timeoutMs: 3000 });
      // `docker version` exits 1 without a daemon, having printed the client's part.
      const version = result.stdout.toString('utf8').trim();
      if (/^\d+\.\d+/.test(version)) return version;
    } catch {
      // No docker CLI, or no daemon: try the next, then the documented default.
    }
  }
  return undefined;
}

/** One row per mirror URL, with every client that uses it (a URL may be in several files). */
export function mirrorsByUrl(mirrors: MirrorEntry[]): Array<{ url: string; clients: MirrorClient[] }> {
  const rows: Array<{ url: string; clients: MirrorClient[] }> = [];
  for (const mirror of mirrors) {
    const row = rows.find((r) => sameMirror(r.url, mirror.url));
    if (row) row.clients = [...new Set([...row.clients, ...mirror.clients])];
    else rows.push({ url: mirror.url, clients: [...mirror.clients] });
  }
  return rows;
}

export interface CheckMirrorsOptions {
  repository: string;
  reference: string;
  target: Omit<RegistryTarget, 'registry' | 'host'>;
  registry: RegistryClient;
}

/**
 * Checks every mirror at once, with the logins its clients would send ({@link mirrorLogins});
 * Docker Hub is asked once for the digest to compare with.
 */
export async function checkMirrors(
  rows: Array<{ url: string; clients: MirrorClient[] }>,
  imageStore: ImageStore,
  logins: MirrorLogins,
  options: CheckMirrorsOptions,
): Promise<{ results: MirrorCheckResult[]; upstreamMessage?: string }> {
  const { repository, reference, target, registry } = options;
  const common = { certDir: target.certDir, insecure: target.insecure, timeoutMs: target.timeoutMs, env: target.env, repository, reference };
  const upstream = await registry.upstreamDigest({ ...common, insecure: false, credentials: logins.hub });
  const results = await Promise.all(
    rows.map((row) => {
      const host = mirrorHost(row.url) ?? row.url;
      return registry.checkMirror({
        ...common,
        url: row.url,
        upstreamDigest: upstream.digest,
        credentialsFor: () => credentialPlan(row, imageStore, { hub: logins.hub, mirror: logins.byHost.get(host), host }),
      });
    }),
  );
  return { results, ...(upstream.message ? { upstreamMessage: upstream.message } : {}) };
}

/**
 * The credentials a mirror that asks for some gets from its clients: every client must send
 * some, or the pulls of the one that does not fail. Pure.
 */
export function credentialPlan(
  row: { clients: MirrorClient[] },
  imageStore: ImageStore,
  logins: { hub?: { username: string; secret: string }; mirror?: { username: string; secret: string }; host: string },
): { credentials: { username: string; secret: string }; from: string } | { none: string } {
  const sends = row.clients.map((client) => {
    const kind = credentialsSentBy(client, imageStore);
    const login = kind === 'hub-login' ? logins.hub : kind === 'mirror-login' ? logins.mirror : undefined;
    return { client, kind, login };
  });
  const without = sends.filter((s) => !s.login);
  if (without.length > 0) {
    const why = without.map((s) =>
      s.kind === 'none'
        ? `${clientLabel(s.client, imageStore)} sends mirrors no credentials`
        : s.kind === 'hub-login'
          ? `${clientLabel(s.client, imageStore)} sends it your Docker Hub login, and there is none (dcm login)`
          : `${clientLabel(s.client, imageStore)} sends it the login for ${logins.host}, and there is none (dcm login ${logins.host})`,
    );
    return { none: `it demands credentials: ${why.join('; ')}` };
  }
  const first = sends[0]!;
  return { credentials: first.login!, from: clientLabel(first.client, imageStore) };
}

/**
 * The credential surprises of this configuration, one sentence each. Pure: a mirror that the
 * classic image store hands the Docker Hub login to (moby#42022), and a `dcm login <mirror>`
 * that dockerd never uses (moby#30880).
 */
export function mirrorSurprises(
  rows: Array<{ url: string; clients: MirrorClient[] }>,
  imageStore: ImageStore,
  logins: { hubUser?: string; mirrorLogins: ReadonlySet<string> },
): string[] {
  const surprises: string[] = [];
  for (const row of rows) {
    if (!row.clients.includes('dockerd')) continue;
    const host = mirrorHost(row.url) ?? row.url;
    if (credentialsSentBy('dockerd', imageStore) === 'hub-login' && logins.hubUser) {
      surprises.push(
        `${clientLabel('dockerd', imageStore)} sends your Docker Hub login (${logins.hubUser}) to the mirror ${row.url} with every pull (moby#42022): if you do not control ${host}, remove the mirror or use the containerd image store`,
      );
    }
    if (logins.mirrorLogins.has(host)) {
      surprises.push(`dockerd never uses your login for ${host} when it pulls through the mirror (moby#30880); the mirror needs its own upstream credentials`);
    }
  }
  return surprises;
}

/** The `host[:port]` of a mirror URL, or undefined when it is not one. */
export function mirrorHost(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

type Login = { username: string; secret: string };

/** The logins this machine has for Docker Hub and for each mirror's host, read once per run. */
export interface MirrorLogins {
  hub?: Login;
  byHost: Map<string, Login>;
}

export async function mirrorLogins(ctx: CommandContext, rows: Array<{ url: string }>): Promise<MirrorLogins> {
  const hub = await dockerLogin(ctx, DOCKER_HUB_KEY).catch(() => undefined);
  const byHost = new Map<string, Login>();
  for (const row of rows) {
    const host = mirrorHost(row.url);
    const login = host ? await dockerLogin(ctx, normaliseServerUrl(host)).catch(() => undefined) : undefined;
    if (host && login) byHost.set(host, login);
  }
  return { ...(hub ? { hub } : {}), byHost };
}

/** What {@link mirrorSurprises} needs of the logins: names, never secrets. */
export function surpriseLogins(logins: MirrorLogins): { hubUser?: string; mirrorLogins: ReadonlySet<string> } {
  return { ...(logins.hub ? { hubUser: logins.hub.username } : {}), mirrorLogins: new Set(logins.byHost.keys()) };
}

/** A file that could not be read, as a warning line. */
export function problemLine(problem: MirrorFileProblem): string {
  return `dcm: warning: ${problem.source} ${oneLine(problem.message)}; its mirrors are not listed`;
}
