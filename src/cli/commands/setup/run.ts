/**
 * `dcm setup`: point Docker at dcm (credsStore, or credHelpers for chosen registries), or undo it.
 */
import { backupOnce, credHelpersOf, dockerConfigPath, readBackup, readDockerConfig, writeDockerConfig } from '../../../docker/config-file.ts';
import { StoreUnavailable, UsageError, type StoreName } from '../../../errors.ts';
import { chosenStore, openCredentialStore, storeName } from '../../../store/select.ts';
import { recordStore } from '../../store-access.ts';
import { CONTAINERS_DROP_IN, containersDropInPath, isDcmDropIn, readContainersDropIn } from '../../../docker/containers-config.ts';
import { writeFileAtomically } from '../../../platform/atomic-file.ts';
import { describeErrno, ensureDirectory, removeQuietly } from '../../../platform/files.ts';
import { dirname } from 'node:path';
import { normaliseServerUrl } from '../../../docker/server-address.ts';
import type { CommandContext } from '../../context.ts';
import type { SetupOptions } from './command.ts';

export interface SetupResult {
  configPath: string;
  changed: boolean;
  backup: string | null;
  credsStore: string | null;
  /** The credsStore this run replaced (Docker Desktop's `desktop`, say), or null. */
  replacedCredsStore: string | null;
  credHelpers: Record<string, string>;
  /**
   * The registries.conf drop-in that makes podman, skopeo and buildah ask dcm: `written`,
   * `removed`, `kept` (already there), `foreign` (a file of the user's at that path, left alone)
   * or null (nothing to do: credHelpers mode, or undo with no file).
   */
  containers: { path: string; action: 'written' | 'removed' | 'kept' | 'foreign' } | null;
}

const HELPER = 'dcm';

export interface SetupRequest {
  /** Canonical registry keys for credHelpers entries; none means credsStore. */
  registries: string[];
  undo: boolean;
}

/**
 * What config.json becomes: pure, one row of a table test per rule. `original` gives the
 * settings from before dcm (the backup), asked for only when undo must restore a credsStore.
 */
export function planSetup(
  data: Readonly<Record<string, unknown>>,
  credHelpers: Readonly<Record<string, unknown>>,
  request: SetupRequest,
  original: () => Record<string, unknown> | undefined,
): Record<string, unknown> {
  const next = { ...data };
  const helpers = { ...credHelpers };
  const { registries } = request;
  if (request.undo) {
    if (registries.length === 0 && next.credsStore === HELPER) {
      const before = original()?.credsStore;
      if (typeof before === 'string' && before !== HELPER) next.credsStore = before;
      else delete next.credsStore;
    }
    for (const [key, value] of Object.entries(helpers)) {
      if (value === HELPER && (registries.length === 0 || registries.includes(key))) delete helpers[key];
    }
  } else if (registries.length > 0) {
    for (const key of registries) helpers[key] = HELPER;
  } else {
    next.credsStore = HELPER;
  }
  if (JSON.stringify(helpers) !== JSON.stringify(credHelpers)) {
    if (Object.keys(helpers).length > 0) next.credHelpers = helpers;
    else delete next.credHelpers;
  }
  return next;
}

export async function setup(options: SetupOptions, ctx: CommandContext): Promise<void> {
  if (options.store !== undefined) {
    if (options.undo) throw new UsageError('--store and --undo contradict each other; give one');
    await chooseStore(storeName(options.store, '--store'), ctx);
  } else if (!options.undo) {
    // Docker is pointed at dcm only when dcm can keep what Docker gives it: on a server without
    // a keychain the next `docker login` would fail. Nothing changes then, and the line says what works here.
    await probeChosenStore(ctx);
  }
  const path = dockerConfigPath(ctx.env);
  const file = readDockerConfig(path);
  const request = { registries: (options.registry ?? []).map(normaliseServerUrl), undo: options.undo === true };
  const next = planSetup(file.data, credHelpersOf(file.data, path), request, () => readBackup(path));
  const changed = JSON.stringify(next) !== JSON.stringify(file.data);
  let backup: string | null = null;
  if (changed) {
    // The backup keeps the file as it was before dcm: undoing never replaces it.
    backup = options.undo ? null : (backupOnce(path) ?? null);
    writeDockerConfig({ ...file, data: next });
  }
  // credsStore mode only: with --registry, containers/image reads config.json's credHelpers itself.
  const containers = request.registries.length > 0 ? null : syncContainersDropIn(ctx, request.undo);
  const result: SetupResult = {
    configPath: path,
    changed: changed || containers?.action === 'written' || containers?.action === 'removed',
    backup,
    credsStore: typeof next.credsStore === 'string' ? next.credsStore : null,
    replacedCredsStore: typeof file.data.credsStore === 'string' && file.data.credsStore !== next.credsStore ? file.data.credsStore : null,
    credHelpers: (next.credHelpers as Record<string, string> | undefined) ?? {},
    containers,
  };
  ctx.stdout.write(options.json ? `${JSON.stringify(result)}\n` : describe(result, options));
}

/** A probe entry written, read back and removed: the store works, or this throws why not. */
async function probe(store: StoreName, ctx: CommandContext): Promise<void> {
  const backend = (await openCredentialStore({ ...ctx.env, DCM_STORE: store }, ctx.storeHooks)).backend;
  const key = 'dcm:setup-probe';
  const value = `probe-${Date.now()}`;
  await backend.set(key, value);
  const back = await backend.get(key);
  await backend.delete(key);
  if (back !== value) throw new StoreUnavailable('a probe entry did not read back', 'Check the store with its own tools', store);
}

/**
 * The store dcm would use (settings, DCM_STORE, or the OS keychain) must work before Docker is
 * sent to dcm. When it does not: the cause, "nothing was changed", and each other store with
 * whether it works here, tried the same way (the cache store always can: it needs only a
 * private directory), and the command that sets it up.
 */
async function probeChosenStore(ctx: CommandContext): Promise<void> {
  const { store } = chosenStore(ctx.env);
  try {
    await probe(store, ctx);
    return;
  } catch (error) {
    if (!(error instanceof StoreUnavailable)) throw error;
    const alternatives: string[] = [];
    for (const other of (['os', 'pass', 'cache'] as const).filter((name) => name !== store)) {
      if (other === 'cache') {
        alternatives.push('`dcm setup --store cache` (memory only, for a CI job or an SSH session: logins go after DCM_CACHE_TTL, default 8h)');
        continue;
      }
      try {
        await probe(other, ctx);
        alternatives.push(`\`dcm setup --store ${other}\` (works here)`);
      } catch (failure) {
        if (other === 'pass')
          alternatives.push(
            "`dcm setup --store pass` once pass has a GPG key (`gpg --quick-gen-key 'you <you@example.com>'`, then `pass init` with the key's id)",
          );
        else alternatives.push(`\`dcm setup --store ${other}\` does not work here either (${failure instanceof StoreUnavailable ? failure.reason : 'failed'})`);
      }
    }
    throw new StoreUnavailable(
      `${error.reason}, so Docker was not pointed at dcm: its next login would fail (config.json was not changed)`,
      `Stores for this machine: ${alternatives.join('; ')}`,
      store,
      true,
    );
  }
}

/** The helpers a credsStore usually names, so that replacing one says what it was. */
const KNOWN_STORES: Record<string, string> = {
  desktop: "Docker Desktop's helper",
  osxkeychain: 'the macOS Keychain helper',
  wincred: 'the Windows Credential Manager helper',
  secretservice: 'the Secret Service helper',
  pass: 'the pass helper',
  'ecr-login': "Amazon ECR's helper",
};

function describe(result: SetupResult, options: SetupOptions): string {
  const where = result.configPath;
  if (!result.changed) return `Nothing to change in ${where}: it is already set up${options.undo ? ' without dcm' : ' for dcm'}.\n`;
  const lines = [options.undo ? `Docker no longer uses dcm (${where}).` : `Docker now uses dcm (${where}).`];
  const was = result.replacedCredsStore;
  lines.push(
    `  credsStore: ${result.credsStore ?? '(none)'}${was && !options.undo ? ` (was ${was}${KNOWN_STORES[was] ? `, ${KNOWN_STORES[was]}` : ''}: its logins stay there, \`dcm import --from ${was}\` copies them; \`dcm setup --undo\` puts it back)` : ''}`,
  );
  const helpers = Object.entries(result.credHelpers);
  if (helpers.length > 0) lines.push(`  credHelpers: ${helpers.map(([k, v]) => `${k} → ${v}`).join(', ')}`);
  if (result.backup) lines.push(`  backup of the original: ${result.backup}`);
  const containers = result.containers;
  if (containers?.action === 'written') lines.push(`  podman, skopeo, buildah: ask dcm too (credential-helpers in ${containers.path})`);
  if (containers?.action === 'removed') lines.push(`  podman, skopeo, buildah: no longer ask dcm (${containers.path} removed)`);
  if (containers?.action === 'foreign')
    lines.push(`  podman, skopeo, buildah: ${containers.path} is not dcm's and was left alone; add "dcm" to its credential-helpers yourself`);
  return `${lines.join('\n')}\n`;
}

/** Writes (or, undoing, removes) dcm's registries.conf drop-in; a file that is not dcm's is left alone. */
function syncContainersDropIn(ctx: CommandContext, undo: boolean): SetupResult['containers'] {
  const path = containersDropInPath(ctx.env);
  const found = readContainersDropIn(path);
  if (found === 'unreadable' || (found !== 'missing' && !isDcmDropIn(found))) return { path, action: 'foreign' };
  const current = found === 'missing' ? undefined : found;
  if (undo) {
    if (current === undefined) return null;
    removeQuietly(path);
    return { path, action: 'removed' };
  }
  if (current === CONTAINERS_DROP_IN) return { path, action: 'kept' };
  try {
    ensureDirectory(dirname(path), 0o755);
    writeFileAtomically(path, CONTAINERS_DROP_IN, { mode: 0o644, followSymlink: false });
  } catch (error) {
    throw new UsageError(`${path} could not be written (${describeErrno(error)}); config.json is set up, podman and skopeo are not`);
  }
  return { path, action: 'written' };
}

/**
 * Proves the store works (a probe entry written, read back and removed), then records it in
 * dcm's configuration file, keeping any other keys there. A store that fails is not recorded.
 */
async function chooseStore(store: StoreName, ctx: CommandContext): Promise<void> {
  await probe(store, ctx);
  const path = recordStore(store, ctx.env);
  ctx.stderr.write(`dcm keeps credentials in the ${store} store from now on (${path})\n`);
}
