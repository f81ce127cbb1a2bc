/** `dcm logout`: remove stored logins from the keychain. */
import { DOCKER_HUB_KEY, DOCKER_HUB_TOKEN_KEYS, normaliseServerUrl } from '../../docker/server-address.ts';
import { ItemError, SilentExit, UsageError, oneLine } from '../../errors.ts';
import { forgetLogins } from '../auths-sync.ts';
import type { CliIo } from '../io.ts';
import { openStore, rememberCertDir } from '../shared.ts';

export interface LogoutOptions {
  all?: boolean;
  yes?: boolean;
}

export async function logout(server: string | undefined, options: LogoutOptions, io: CliIo): Promise<void> {
  if (options.all && server) throw new UsageError('give a SERVER or --all, not both');
  const store = await openStore(io);
  // --all reads the items themselves, not only the index: a login the index lost is removed too.
  const keys = options.all ? await store.allKeys() : [normaliseServerUrl(server ?? DOCKER_HUB_KEY)];
  if (options.all && keys.length === 0) io.stdout.write('No stored logins.\n');
  if (options.all && keys.length > 0 && io.isTTY && !options.yes) {
    const { terminalPrompter } = await import('../prompt.ts');
    if (
      !(await terminalPrompter(io).confirm(
        `Remove all ${keys.length} stored login${keys.length === 1 ? '' : 's'} (${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''})?`,
      ))
    ) {
      io.stderr.write('dcm: nothing was removed\n');
      throw new SilentExit('failure');
    }
  }
  let failed: unknown;
  const removedKeys: string[] = [];
  for (const key of keys) {
    try {
      const removed = await store.erase(key);
      removedKeys.push(key);
      io.stdout.write(removed ? `Removing login credentials for ${key}\n` : `Not logged in to ${key}\n`);
      // Docker's device-code login keeps two more entries beside the Hub login; `docker logout`
      // erases them too.
      if (key === DOCKER_HUB_KEY) for (const extra of DOCKER_HUB_TOKEN_KEYS) await store.erase(extra);
    } catch (error) {
      // One item another program wrote does not stop the others from being removed.
      if (!(error instanceof ItemError) || !options.all) throw error;
      io.stderr.write(`dcm: ${oneLine(error)}\n`);
      failed = error;
    }
  }
  // As `docker logout` leaves config.json: no empty `auths` entry for a registry no longer logged in to.
  await forgetLogins(io, removedKeys);
  for (const key of removedKeys) {
    try {
      rememberCertDir(key, undefined, io.env);
    } catch {
      // Only a path: a settings file that cannot be written keeps it, harmlessly.
    }
  }
  if (failed) throw new SilentExit('failure');
}
