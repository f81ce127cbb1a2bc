/**
 * `dcm mirror ls | check | add | rm`: the Docker Hub mirrors configured on this machine, whether
 * each serves pulls and who it gets credentials from, and `registry-mirrors` edited the way
 * `dcm setup` edits config.json (docs/mirrors.md). dcm never restarts or signals a daemon.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { backupOnce, readDockerConfig } from '../../../docker/config-file.ts';
import { displayMirror, registryMirrors, sameMirror, validateMirror } from '../../../docker/mirrors.ts';
import { DockerConfigError, FileWriteFailed, SilentExit, UsageError, type ExitCodeName } from '../../../errors.ts';
import { writeFileAtomically } from '../../../platform/atomic-file.ts';
import { withFileEditLock } from '../../../platform/file-lock.ts';
import type { MirrorCheckResult } from '../../../registry/mirror-check.ts';
import type { CommandContext } from '../../context.ts';
import { checkMirrors, machineImageStore, mirrorLogins, mirrorSetup, mirrorSurprises, mirrorsByUrl, problemLine, surpriseLogins } from '../../mirrors.ts';
import { renderTable } from '../../render.ts';
import { parseTimeout } from '../../registry-target.ts';
import type { MirrorAddOptions, MirrorCheckOptions, MirrorLsOptions, MirrorRmOptions } from './command.ts';

export async function mirrorLs(options: MirrorLsOptions, ctx: CommandContext): Promise<void> {
  const setup = mirrorSetup(ctx, options.daemonConfig);
  for (const problem of setup.problems) ctx.stderr.write(`${problemLine(problem)}\n`);
  if (options.json) ctx.stdout.write(`${JSON.stringify(setup.mirrors)}\n`);
  else if (setup.mirrors.length === 0) {
    if (setup.problems.length === 0) ctx.stdout.write(`No Docker Hub mirrors configured. Add one with: dcm mirror add URL (edits ${setup.daemonConfig})\n`);
  } else {
    ctx.stdout.write(
      renderTable(
        ['URL', 'SOURCE', 'CLIENTS', 'PATH'],
        setup.mirrors.map((m) => [m.url, m.source, m.clients.join(','), m.path]),
      ),
    );
  }
  if (setup.problems.length > 0) throw new SilentExit('usage');
}

export async function mirrorCheck(urls: string[], options: MirrorCheckOptions, ctx: CommandContext): Promise<void> {
  const setup = mirrorSetup(ctx, options.daemonConfig);
  for (const problem of setup.problems) ctx.stderr.write(`${problemLine(problem)}\n`);
  // A URL named on the command line must be one the daemon would accept (and is not echoed at length).
  for (const url of urls) validateMirror(url);
  const configured = mirrorsByUrl(setup.mirrors);
  // A URL named on the command line is checked as the daemon would use it, unless configured.
  const rows = urls.length > 0 ? urls.map((url) => configured.find((row) => sameMirror(row.url, url)) ?? { url, clients: ['dockerd' as const] }) : configured;
  if (rows.length === 0) {
    if (options.json) ctx.stdout.write(`${JSON.stringify({ ok: true, results: [] })}\n`);
    else ctx.stdout.write('No Docker Hub mirrors configured. Check one with: dcm mirror check URL\n');
    return;
  }
  const [imageStore, logins] = await Promise.all([machineImageStore(ctx, setup.daemonConfig), mirrorLogins(ctx, rows)]);
  const { results, upstreamMessage } = await runChecks(rows, imageStore.store, logins, options, ctx);
  for (const surprise of mirrorSurprises(rows, imageStore.store, surpriseLogins(logins))) ctx.stderr.write(`dcm: note: ${surprise}\n`);
  if (upstreamMessage) ctx.stderr.write(`dcm: note: Docker Hub could not be asked for the current digest (${upstreamMessage}); staleness is not checked\n`);
  const ok = results.every((r) => r.ok);
  if (options.json) ctx.stdout.write(`${JSON.stringify({ ok, results })}\n`);
  else
    ctx.stdout.write(
      renderTable(
        ['MIRROR', 'STATUS', 'AUTH', 'TIME', 'DETAIL'],
        results.map((r) => [r.url, r.status, r.auth ?? '-', `${r.durationMs} ms`, r.message]),
      ),
    );
  const firstFailure = results.find((r) => !r.ok);
  if (firstFailure) throw new SilentExit(exitClassOf(firstFailure.status));
}

export async function mirrorAdd(url: string, options: MirrorAddOptions, ctx: CommandContext): Promise<void> {
  const mirror = validateMirror(url);
  const setup = mirrorSetup(ctx, options.daemonConfig);
  if (mirrorsOf(readDockerConfig(setup.daemonConfig), setup.daemonConfig).some((existing) => sameMirror(existing, mirror))) {
    ctx.stdout.write(`${mirror} is already in registry-mirrors in ${setup.daemonConfig}; nothing changed.\n`);
    return;
  }
  if (options.check !== false) {
    const rows = [{ url: mirror, clients: ['dockerd' as const] }];
    const [imageStore, logins] = await Promise.all([machineImageStore(ctx, setup.daemonConfig), mirrorLogins(ctx, rows)]);
    const { results } = await runChecks(rows, imageStore.store, logins, options, ctx);
    const result = results[0]!;
    if (!result.ok) {
      ctx.stderr.write(`dcm: ${mirror} was not added (${result.status}): ${result.message}; fix the mirror, or add it anyway with --no-check\n`);
      throw new SilentExit(exitClassOf(result.status));
    }
  }
  // Read again under the lock: another dcm may have changed the file while this one checked.
  const added = await editDaemonConfig(setup.daemonConfig, `dcm mirror add ${mirror}`, (current) =>
    current.some((existing) => sameMirror(existing, mirror)) ? undefined : [...current, mirror],
  );
  if (!added) ctx.stdout.write(`${mirror} is already in registry-mirrors in ${setup.daemonConfig}; nothing changed.\n`);
  else ctx.stdout.write(`Added ${mirror} to registry-mirrors in ${setup.daemonConfig}.\n${reloadHint(setup.daemonConfig)}\n`);
}

export async function mirrorRm(url: string, options: MirrorRmOptions, ctx: CommandContext): Promise<void> {
  const setup = mirrorSetup(ctx, options.daemonConfig);
  // The URL as typed may carry a password: no message shows more of it than displayMirror does.
  const shown = displayMirror(url);
  const removed = await editDaemonConfig(setup.daemonConfig, `dcm mirror rm ${shown}`, (current) => {
    const kept = current.filter((existing) => !sameMirror(existing, url));
    return kept.length === current.length ? undefined : kept;
  });
  if (!removed) ctx.stdout.write(`${JSON.stringify(shown)} is not in registry-mirrors in ${setup.daemonConfig}; nothing changed.\n`);
  else ctx.stdout.write(`Removed ${shown} from registry-mirrors in ${setup.daemonConfig}.\n${reloadHint(setup.daemonConfig)}\n`);
}

function runChecks(
  rows: Parameters<typeof checkMirrors>[0],
  store: Parameters<typeof checkMirrors>[1],
  logins: Parameters<typeof checkMirrors>[2],
  options: MirrorCheckOptions,
  ctx: CommandContext,
) {
  const [repository, reference] = imageOf(options.image ?? 'library/alpine:latest');
  const target = { certDir: options.certDir, insecure: options.insecure === true, timeoutMs: parseTimeout(options.timeout), env: ctx.env };
  return checkMirrors(rows, store, logins, { repository, reference, target, registry: ctx.registry });
}

/** `alpine`, `library/alpine:3.20`, `org/image:tag` → repository and tag, as Docker names Hub images. */
export function imageOf(image: string): [string, string] {
  const match = /^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*)(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?$/.exec(image);
  if (!match) throw new UsageError(`--image ${JSON.stringify(image.slice(0, 80))} is not an image name such as library/alpine:latest`);
  const repository = match[1]!.includes('/') ? match[1]! : `library/${match[1]}`;
  return [repository, match[2] ?? 'latest'];
}

/** `registry-mirrors` of a daemon.json, refused when it is not a list of strings. */
function mirrorsOf(file: ReturnType<typeof readDockerConfig>, path: string): string[] {
  const value = file.data['registry-mirrors'];
  if (value !== undefined && !Array.isArray(value))
    throw new DockerConfigError(`"registry-mirrors" in ${path} is not a list; fix it, then retry (nothing was changed)`);
  return registryMirrors(file.data);
}

/**
 * Changes `registry-mirrors` of daemon.json under a lock, reading the file again inside it, so
 * that two `dcm mirror` at once both land. `change` gets the current list and returns the new
 * one, or undefined for "nothing to do" (then nothing is written). Atomic, one backup, the
 * file's indentation kept, its owner, group and mode kept (0644 for a new file); refused with
 * the sudo command when the user may not write it. A last mirror removed removes the key.
 */
async function editDaemonConfig(path: string, command: string, change: (current: string[]) => string[] | undefined): Promise<boolean> {
  if (!change(mirrorsOf(readDockerConfig(path), path))) return false;
  refuseUnwritable(path, command);
  return withFileEditLock(path, async () => {
    const file = readDockerConfig(path);
    const next = change(mirrorsOf(file, path));
    if (!next) return false;
    const { 'registry-mirrors': _old, ...rest } = file.data;
    const data = next.length > 0 || file.data['registry-mirrors'] === undefined ? { ...file.data, 'registry-mirrors': next } : rest;
    const mode = file.exists ? statSync(path).mode & 0o777 : 0o644;
    backupOnce(path);
    writeFileAtomically(path, JSON.stringify(data, null, file.exists ? file.indent : '  ') + (file.exists && !file.trailingNewline ? '' : '\n'), { mode });
    return true;
  });
}

function refuseUnwritable(path: string, command: string): void {
  const target = existsSync(path) ? path : dirname(path);
  try {
    accessSync(target, constants.W_OK);
  } catch {
    throw new FileWriteFailed(
      `${path} is not writable by you (it needs root): run sudo ${command}${path === '/etc/docker/daemon.json' ? '' : ` --daemon-config ${path}`}; nothing was changed`,
    );
  }
}

/** The command that makes the daemon read registry-mirrors again: dockerd reloads them on SIGHUP. */
function reloadHint(path: string): string {
  if (path === '/etc/docker/daemon.json')
    return 'Make the daemon read it: sudo systemctl reload docker (Docker Desktop: Settings → Docker Engine, then Apply & restart)';
  if (/\/docker\/daemon\.json$/.test(path) && path.includes('.config')) return 'Make the rootless daemon read it: systemctl --user reload docker';
  return 'Make the daemon read it: send it SIGHUP (sudo systemctl reload docker, or sudo kill -HUP $(pidof dockerd))';
}

/** The exit-code class of a mirror status (README: exit codes). */
function exitClassOf(status: MirrorCheckResult['status']): ExitCodeName {
  if (status === 'ok') return 'ok';
  if (status === 'stale') return 'registry';
  if (status === 'not-found') return 'notFound';
  return status;
}
