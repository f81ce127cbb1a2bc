import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** Per-user directory for small state (the index lock), private to the user. */
export function stateDir(env: Env): string {
  switch (platform()) {
    case 'win32':
      return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'dcm');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'dcm');
    default:
      return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state'), 'dcm');
  }
}

/** Per-user cache directory (the unpacked keyring addon of the single binary). */
export function cacheDir(env: Env): string {
  switch (platform()) {
    case 'win32':
      return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'dcm', 'cache');
    case 'darwin':
      return join(homedir(), 'Library', 'Caches', 'dcm');
    default:
      return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'dcm');
  }
}
