/**
 * The containers tools (podman, skopeo, buildah: containers/image) ignore config.json's
 * `credsStore`, so a `docker login` kept by dcm is invisible to them. What they read instead is
 * `credential-helpers` in registries.conf (containers-registries.conf(5)): an ordered list of
 * helpers, `containers-auth.json` being their own auth files. A drop-in file of the user's
 * (containers-registries.conf.d(5): `$HOME/.config/containers/registries.conf.d/*.conf`, read
 * after the main file, whichever main file is in use) sets it without touching anything else.
 *
 * dcm comes first: a `podman login` is then kept in the keychain, as `docker login` is, and a
 * lookup asks dcm and then the auth files (`podman login` logins of before still work).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FileProblem, readRegularFile } from '../platform/files.ts';
import { xdgDir, type Env } from '../platform/paths.ts';

/** The first line of the drop-in dcm writes: how `--undo` and doctor know the file is dcm's. */
const MARKER = '# Written by `dcm setup`';

export const CONTAINERS_DROP_IN = `${MARKER}: podman, skopeo and buildah ask dcm for registry credentials
# (they ignore config.json's credsStore), then their own auth files. \`dcm setup --undo\` removes this file.
credential-helpers = ["dcm", "containers-auth.json"]
`;

/**
 * `$HOME/.config/containers/registries.conf.d/50-dcm.conf`: under HOME, whatever XDG_CONFIG_HOME
 * says, because that is where containers/image looks for a user's drop-ins (its auth.json
 * follows XDG_CONFIG_HOME; its registries.conf.d does not: skopeo 1.9 skipped a drop-in written
 * under XDG_CONFIG_HOME, test/integration/aws-provider.test.ts).
 */
export function containersDropInPath(env: Env): string {
  return join(env.HOME || homedir(), '.config', 'containers', 'registries.conf.d', '50-dcm.conf');
}

/**
 * What is at the drop-in's path: its text, `missing`, or `unreadable` (a FIFO, a link, too big:
 * not a file dcm wrote, so never one to replace or remove).
 */
export function readContainersDropIn(path: string): string | 'missing' | 'unreadable' {
  try {
    return readRegularFile(path, { maxBytes: 64 * 1024, noFollow: true }).toString('utf8');
  } catch (error) {
    return error instanceof FileProblem && error.kind === 'missing' ? 'missing' : 'unreadable';
  }
}

/** Whether a file at the drop-in's path is the one dcm writes (any other is the user's: left alone). */
export function isDcmDropIn(text: string): boolean {
  return text.startsWith(MARKER);
}

/** Whether a registries.conf text names dcm among its credential helpers. Pure. */
export function namesDcmHelper(text: string): boolean {
  const line = /^\s*credential-helpers\s*=\s*\[([^\]]*)\]/m.exec(text);
  return line !== null && /["']dcm["']/.test(line[1] ?? '');
}

/**
 * The auth file podman, skopeo and buildah write (`podman login`): REGISTRY_AUTH_FILE when set,
 * else `${XDG_RUNTIME_DIR}/containers/auth.json` (containers-auth.json(5)); undefined when
 * neither is known. Same format as config.json's `auths`, plaintext base64.
 */
export function containersAuthFile(env: Env): string | undefined {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  const runtime = xdgDir(env, 'XDG_RUNTIME_DIR');
  return runtime ? join(runtime, 'containers', 'auth.json') : undefined;
}
