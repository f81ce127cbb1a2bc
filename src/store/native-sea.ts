/**
 * The keyring addon inside the single-file binary (scripts/build.ts swaps this module in for
 * native.ts). A SEA cannot `require` a package from node_modules, so the addon travels as an
 * asset: it is written once to the per-user cache, under a name that carries its content hash,
 * and loaded from there with process.dlopen.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { getRawAsset } from 'node:sea';
import { writeFileAtomically } from '../atomic-file.ts';
import { cacheDir, type Env } from '../paths.ts';
import type { KeyringAddon } from './keyring-addon.ts';

/** Set by scripts/build.ts: the asset's name and the first hex digits of its SHA-256. */
declare const __DCM_ADDON_ASSET__: string;
declare const __DCM_ADDON_HASH__: string;

export function loadKeyringAddon(env: Env): KeyringAddon {
  const asset = Buffer.from(getRawAsset(__DCM_ADDON_ASSET__));
  const dir = cacheDir(env);
  const path = join(dir, `keyring-${__DCM_ADDON_HASH__}.node`);
  if (!sameBytes(path, asset)) writeFileAtomically(path, asset, { followSymlink: false });
  const module = { exports: {} as KeyringAddon };
  process.dlopen(module, path);
  return module.exports;
}

/**
 * Compares the cached file with the embedded bytes, so a truncated or tampered file is never
 * loaded. Read in 64 KiB pieces into one small buffer: about 1 ms for the 3 MB addon, where
 * reading it whole into a fresh 3 MB buffer cost 3 ms (bench: README, "Where the time goes").
 */
function sameBytes(path: string, expected: Buffer): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    if (fstatSync(fd).size !== expected.byteLength) return false;
    const piece = Buffer.allocUnsafe(64 * 1024);
    for (let offset = 0; ; ) {
      const read = readSync(fd, piece, 0, piece.byteLength, offset);
      if (read === 0) return offset === expected.byteLength;
      if (piece.compare(expected, offset, offset + read, 0, read) !== 0) return false;
      offset += read;
    }
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

// Parallel first runs (docker compose pull) each write their own temporary file and rename it
// into place (atomic-file.ts): no process can dlopen half a file.
