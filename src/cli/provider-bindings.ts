/**
 * The provider bindings in dcm's settings, as the CLI changes and shows them: recorded by
 * `dcm login HOST --provider`, removed by `dcm logout HOST`, listed by `ls` and `check`, each
 * with what its cache holds. The settings hold no secret; tokens live in the store.
 */
import type { Env } from '../platform/paths.ts';
import { bindingsOf, type Binding } from '../providers/bindings.ts';
import { readSettings } from '../store/select.ts';
import { editSettingsEntry } from './settings-file.ts';

export function readBindings(env: Env): { path: string; bindings: Binding[] } {
  const { path, settings } = readSettings(env);
  return { path, bindings: bindingsOf(settings, path) };
}

export function recordBinding(env: Env, binding: Binding): void {
  const { pattern, ...rest } = binding;
  editSettingsEntry(env, 'providers', (providers) => {
    providers[pattern] = rest;
    return true;
  });
}

/** Removes the binding for exactly `pattern`; false when there is none. */
export function forgetBinding(env: Env, pattern: string): boolean {
  return editSettingsEntry(env, 'providers', (providers) => pattern in providers && delete providers[pattern]);
}
