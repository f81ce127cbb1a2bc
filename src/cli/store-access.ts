/**
 * The store a command records as dcm's, and the rows of `ls` and `check`.
 */
import { TOKEN_USERNAME } from '../docker/server-address.ts';
import type { StoreName } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import { readSettings } from '../store/select.ts';
import { writeSettings } from './settings-file.ts';

/** One stored login as `dcm ls --json` prints it. */
export interface LoginEntry {
  registry: string;
  /** null for an identity token, whose username Docker does not keep. */
  username: string | null;
  /** `provider:aws`: a binding (providers/bindings.ts) whose tokens dcm mints. */
  kind: 'password' | 'identity-token' | `provider:${string}`;
  /** For a binding: who mints its tokens (an account, a profile, a login; never a secret). */
  identity?: string | null;
}

export function toEntries(list: Map<string, string>): LoginEntry[] {
  return [...list]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([registry, username]) =>
      username === TOKEN_USERNAME ? { registry, username: null, kind: 'identity-token' } : { registry, username, kind: 'password' },
    );
}

/**
 * Records `store` as dcm's store in its configuration file (other keys there are kept); returns
 * the file's path. Atomic, mode 0600, never through a symlink.
 */
export function recordStore(store: StoreName, env: Env): string {
  const { path, settings } = readSettings(env);
  writeSettings(path, { ...settings, store });
  return path;
}
