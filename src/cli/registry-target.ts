/**
 * How a command reaches a registry: the timeout, and the target the registry options
 * (declaration.ts) make (TLS trust, insecure registries as
 * Docker counts them, the --cert-dir a login remembered).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { daemonConfigPath, insecureRegistries, matchesInsecure, readDaemonConfig } from '../docker/daemon-config.ts';
import { UsageError, oneLine } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import { apiHost } from '../registry/profiles.ts';
import { readSettings } from '../store/select.ts';
import type { CommandContext } from './context.ts';
import { DEFAULT_TIMEOUT_SECONDS } from './declaration.ts';
import { editSettingsEntry } from './settings-file.ts';

/** What the Docker daemon counts as insecure on top of daemon.json's insecure-registries (moby's defaults). */
export const DAEMON_INSECURE_DEFAULTS = ['127.0.0.0/8', '::1/128'];

/** What the registry options (declaration.ts) parse into. */
export interface RegistryOptions {
  certDir?: string;
  insecure?: boolean;
  daemonConfig?: string;
  timeout?: string;
}

export function parseTimeout(raw: string | undefined, fallbackSeconds = DEFAULT_TIMEOUT_SECONDS): number {
  if (raw === undefined) return fallbackSeconds * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
    throw new UsageError(`--timeout must be a number of seconds between 0 and 3600, not ${JSON.stringify(raw).slice(0, 40)}`);
  return Math.round(seconds * 1000);
}

/** How to reach one registry: its API host, and TLS as the user and Docker's daemon.json want it. */
export interface RegistryTarget {
  registry: string;
  host: string;
  certDir?: string;
  insecure: boolean;
  timeoutMs: number;
  env: CommandContext['env'];
}

/**
 * The target for a canonical server key. A registry in daemon.json's `insecure-registries` is
 * treated as --insecure, as Docker treats it, and a note says so; a daemon.json that cannot be
 * read is a warning, and the registry stays secure.
 */
export async function registryTarget(
  registry: string,
  options: RegistryOptions,
  ctx: CommandContext,
  timeoutMs = parseTimeout(options.timeout),
): Promise<RegistryTarget> {
  const host = apiHost(registry);
  let insecure = options.insecure === true;
  if (!insecure) {
    const path = daemonConfigPath(ctx.env, options.daemonConfig);
    let entries: string[] = [];
    try {
      entries = insecureRegistries(readDaemonConfig(path));
    } catch (error) {
      ctx.stderr.write(`dcm: warning: ${oneLine(error)}; its insecure-registries are not applied\n`);
    }
    const match = await matchesInsecure(host, entries);
    if (match) {
      insecure = true;
      ctx.stderr.write(`dcm: note: ${host} is in insecure-registries (${match}) in ${path}: TLS is not verified for it, as Docker does not verify it\n`);
    } else if (await matchesInsecure(host, DAEMON_INSECURE_DEFAULTS)) {
      // moby registry/config.go adds these to every daemon's insecure-registries ("a stop-gap for
      // people who are running a private registry on localhost"), and docker login accepts a
      // self-signed certificate there without a word: so does dcm (docs/logins.md, "Rules").
      insecure = true;
    }
  }
  return { registry, host, certDir: options.certDir ?? rememberedCertDir(registry, ctx), insecure, timeoutMs, env: ctx.env };
}

/**
 * The --cert-dir a login to `registry` succeeded with, kept in dcm's settings (a path, no
 * secret), so that the next `dcm check` or `ratelimit` trusts what the login trusted. A
 * directory that is gone is ignored, with a note.
 */
function rememberedCertDir(registry: string, ctx: CommandContext): string | undefined {
  let dirs: unknown;
  try {
    dirs = readSettings(ctx.env).settings.certDirs;
  } catch {
    return undefined;
  }
  const dir = typeof dirs === 'object' && dirs !== null ? (dirs as Record<string, unknown>)[registry] : undefined;
  if (typeof dir !== 'string') return undefined;
  if (!existsSync(dir)) {
    ctx.stderr.write(`dcm: note: the --cert-dir ${dir} that the login to ${registry} used is gone; give --cert-dir again\n`);
    return undefined;
  }
  return dir;
}

/** Records (or, with `dir` undefined, forgets) the --cert-dir for `registry` in dcm's settings. */
export function rememberCertDir(registry: string, dir: string | undefined, env: Env): void {
  editSettingsEntry(env, 'certDirs', (dirs) => {
    if (dir === undefined) return registry in dirs && delete dirs[registry];
    if (dirs[registry] === resolve(dir)) return false;
    dirs[registry] = resolve(dir);
    return true;
  });
}
