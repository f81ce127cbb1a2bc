/**
 * Changes to dcm's own settings file ($XDG_CONFIG_HOME/dcm/config.json): what `setup --store`,
 * a login's --cert-dir and `login --provider` record there. Every other key is kept; the write is
 * atomic, mode 0600, never through a symlink. Reading is store/select.ts's (the hot path reads it).
 */
import { writeFileAtomically } from '../platform/atomic-file.ts';
import type { Env } from '../platform/paths.ts';
import { readSettings } from '../store/select.ts';

/** The whole file (writeFileAtomically makes its directory, and names the path when it cannot). */
export function writeSettings(path: string, settings: Record<string, unknown>): void {
  writeFileAtomically(path, `${JSON.stringify(settings, null, 2)}\n`, { followSymlink: false });
}

/**
 * Applies `change` to the object under `key` (certDirs, providers), dropping the key when it
 * ends empty. `change` returns false when it changed nothing: then nothing is written.
 */
export function editSettingsEntry(env: Env, key: string, change: (entries: Record<string, unknown>) => boolean): boolean {
  const { path, settings } = readSettings(env);
  const current = settings[key];
  const entries = typeof current === 'object' && current !== null && !Array.isArray(current) ? { ...(current as Record<string, unknown>) } : {};
  if (!change(entries)) return false;
  const { [key]: _old, ...rest } = settings;
  writeSettings(path, Object.keys(entries).length > 0 ? { ...rest, [key]: entries } : rest);
  return true;
}
