/**
 * The keyring addon inside the single-file binary (scripts/build.ts swaps this module in for
 * native.ts). A SEA cannot `require` a package from node_modules, so the addon travels as an
 * asset: it is written once to the per-user cache, under a name that carries its content hash,
 * and loaded from there with process.dlopen.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { getRawAsset } from 'node:sea';
import { cacheDir, type Env } from '../paths.ts';
import type { KeyringAddon } from './keyring-addon.ts';

/** Set by scripts/build.ts: the asset's name and the first hex digits of its SHA-256. */
declare const __DCM_ADDON_ASSET__: string;
declare const __DCM_ADDON_HASH__: string;

export function loadKeyringAddon(env: Env): KeyringAddon {
  const asset = Buffer.from(getRawAsset(__DCM_ADDON_ASSET__));
  const dir = cacheDir(env);
  const path = join(dir, `keyring-${__DCM_ADDON_HASH__}.node`);
  if (!sameBytes(path, asset)) writeAtomically(dir, path, asset);
  const module = { exports: {} as KeyringAddon };
  process.dlopen(module, path);
  return module.exports;
}

/**
 * Compares the cached file with the embedded bytes. A byte compare of ~3 MB costs well under a
 * millisecond, far less than hashing; a truncated or tampered file is never loaded.
 */
function sameBytes(path: string, expected: Buffer): boolean {
  try {
    return readFileSync(path).equals(expected);
  } catch {
    return false;
  }
}

/**
 * Parallel first runs (docker compose pull) each write their own temporary file and rename it
 * into place: rename is atomic, so no process can dlopen half a file.
 */
function writeAtomically(dir: string, path: string, bytes: Buffer): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
