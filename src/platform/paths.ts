import { homedir, platform } from 'node:os';
import { isAbsolute, join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * An XDG base directory variable, when it holds an absolute path. The XDG Base Directory
 * specification says a relative path is invalid and must be ignored: a socket or a file there
 * would move with the current directory.
 */
export function xdgDir(env: Env, name: 'XDG_RUNTIME_DIR' | 'XDG_STATE_HOME' | 'XDG_CACHE_HOME' | 'XDG_CONFIG_HOME'): string | undefined {
  const value = env[name];
  return value && isAbsolute(value) ? value : undefined;
}

/** Per-user directory for small state (the index lock), private to the user. */
export function stateDir(env: Env): string {
  switch (platform()) {
    case 'win32':
      return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'dcm');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'dcm');
    default:
      return join(xdgDir(env, 'XDG_STATE_HOME') || join(env.HOME || homedir(), '.local', 'state'), 'dcm');
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
      return join(xdgDir(env, 'XDG_CACHE_HOME') || join(env.HOME || homedir(), '.cache'), 'dcm');
  }
}

/** dcm's own configuration file (the store it keeps credentials in): the platform's usual place. */
export function dcmConfigPath(env: Env): string {
  switch (platform()) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'dcm', 'config.json');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'dcm', 'config.json');
    default:
      return join(xdgDir(env, 'XDG_CONFIG_HOME') || join(env.HOME || homedir(), '.config'), 'dcm', 'config.json');
  }
}

/** The password store `pass` uses: PASSWORD_STORE_DIR, else ~/.password-store. */
export function passwordStoreDir(env: Env): string {
  return env.PASSWORD_STORE_DIR || join(env.HOME || homedir(), '.password-store');
}
