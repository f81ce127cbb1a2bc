/**
 * Where the keyring addon comes from. From the sources and the npm bundle it is the
 * `@napi-rs/keyring` package; the single-file binary swaps this module for one that loads the
 * addon it carries (scripts/build.ts). Loaded on first use only.
 */
import { createRequire } from 'node:module';
import type { Env } from '../../platform/paths.ts';
import type { KeyringAddon } from './addon.ts';

export function loadKeyringAddon(_env: Env): KeyringAddon {
  return createRequire(import.meta.url)('@napi-rs/keyring') as KeyringAddon;
}
