/**
 * The provider bindings in dcm's settings, as the CLI changes and shows them: recorded by
 * `dcm login HOST --provider`, removed by `dcm logout HOST`, listed by `ls` and `check`, each
 * with what its cache holds. The settings hold no secret; tokens live in the store.
 */
import { dirname } from 'node:path';
import { writeFileAtomically } from '../platform/atomic-file.ts';
import { ensureDirectory } from '../platform/files.ts';
import type { Env } from '../platform/paths.ts';
import { bindingsOf, type Binding } from '../providers/bindings.ts';
import { readSettings } from '../store/select.ts';

export function readBindings(env: Env): { path: string; bindings: Binding[] } {
  const { path, settings } = readSettings(env);
  return { path, bindings: bindingsOf(settings, path) };
}

function writeProviders(env: Env, change: (providers: Record<string, unknown>) => boolean): boolean {
  const { path, settings } = readSettings(env);
  const providers = typeof settings.providers === 'object' && settings.providers !== null ? { ...(settings.providers as Record<string, unknown>) } : {};
  if (!change(providers)) return false;
  const { providers: _old, ...rest } = settings;
  const next = Object.keys(providers).length > 0 ? { ...rest, providers } : rest;
  ensureDirectory(dirname(path));
  writeFileAtomically(path, `${JSON.stringify(next, null, 2)}\n`, { followSymlink: false });
  return true;
}

export function recordBinding(env: Env, binding: Binding): void {
  const { pattern, ...rest } = binding;
  writeProviders(env, (providers) => {
    providers[pattern] = rest;
    return true;
  });
}

/** Removes the binding for exactly `pattern`; false when there is none. */
export function forgetBinding(env: Env, pattern: string): boolean {
  return writeProviders(env, (providers) => {
    if (!(pattern in providers)) return false;
    delete providers[pattern];
    return true;
  });
}
