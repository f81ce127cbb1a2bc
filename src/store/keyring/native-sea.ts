/**
 * The keyring addon inside the single-file binary (scripts/build.ts swaps this module in for
 * native.ts). A SEA cannot `require` a package from node_modules, so the addon travels as an
 * asset: it is written once to the per-user cache, under a name that carries its content hash,
 * and loaded from there with process.dlopen.
 *
 * The cache is a place where another local user could plant code that runs inside dcm (as root,
 * if root runs dcm). So:
 * - the cache directory must belong to the effective user and be writable by nobody else,
 *   or dcm refuses it, in one line, with the fix;
 * - the file is opened once (no symlink followed, never a FIFO), checked on that descriptor
 *   (a regular file, ours, not writable by others, every byte equal to the embedded addon),
 *   and loaded through that same descriptor (`/proc/self/fd/N`), so the bytes that run are the
 *   bytes that were verified, even if the path is swapped in between;
 * - a missing or different file is replaced by one written afresh. On Linux it is loaded through
 *   the descriptor it was written with. Elsewhere it is loaded by path, and Windows refuses to
 *   load a DLL that any handle has open for writing ("Sharing violation"): the write handle is
 *   closed first and the file opened again read-only and verified again, as on any later run.
 */
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, renameSync, statSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { getRawAsset } from 'node:sea';
import { StoreUnavailable } from '../../errors.ts';
import { describeErrno, ensureDirectory, removeQuietly } from '../../platform/files.ts';
import { cacheDir, type Env } from '../../platform/paths.ts';
import type { KeyringAddon } from './addon.ts';

/** Set by scripts/build.ts: the asset's name and the first hex digits of its SHA-256. */
declare const __DCM_ADDON_ASSET__: string;
declare const __DCM_ADDON_HASH__: string;

const NONBLOCK = constants.O_NONBLOCK ?? 0;
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const HAS_PROC_FD = process.platform === 'linux';

export function loadKeyringAddon(env: Env): KeyringAddon {
  const asset = Buffer.from(getRawAsset(__DCM_ADDON_ASSET__));
  const dir = cacheDir(env);
  prepareCacheDirectory(dir);
  const path = join(dir, `keyring-${__DCM_ADDON_HASH__}.node`);
  const { fd, loadPath } = openVerified(path, asset) ?? (HAS_PROC_FD ? writeFresh(dir, path, asset) : writeThenReopen(dir, path, asset));
  try {
    const module = { exports: {} as KeyringAddon };
    process.dlopen(module, HAS_PROC_FD ? `/proc/self/fd/${fd}` : loadPath);
    return module.exports;
  } finally {
    closeSync(fd);
  }
}

/** Creates the cache directory (0700), or refuses one that another user could write into. */
function prepareCacheDirectory(dir: string): void {
  try {
    ensureDirectory(dir);
  } catch (error) {
    throw new StoreUnavailable(
      `the keyring addon cannot be unpacked: cannot create ${dir} (${describeErrno(error)})`,
      'Set XDG_CACHE_HOME to a directory you can write, or fix its permissions',
    );
  }
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch (error) {
    throw new StoreUnavailable(
      `the keyring addon cannot be unpacked: ${dir} cannot be read (${describeErrno(error)})`,
      'Set XDG_CACHE_HOME to a directory you can write',
    );
  }
  if (!stats.isDirectory())
    throw new StoreUnavailable(`refusing the addon cache ${dir}: it is not a directory`, `Remove it, or set XDG_CACHE_HOME to a directory of your own`);
  const problem = untrusted(stats);
  if (problem)
    throw new StoreUnavailable(
      `refusing the addon cache ${dir}: ${problem}, so code planted there could run inside dcm`,
      `Remove it (rm -rf ${dir}) or run chmod 700 ${dir} if it is yours; or set XDG_CACHE_HOME to a directory of your own`,
    );
}

/** Why a file or directory is not safe to load code from: another owner, or writable by others. */
function untrusted(stats: Stats): string | undefined {
  if (process.platform === 'win32') return undefined;
  const me = process.geteuid?.();
  if (me !== undefined && stats.uid !== me) return `it belongs to uid ${stats.uid}, not to you (uid ${me})`;
  if ((stats.mode & 0o022) !== 0) return `it is writable by other users (mode ${(stats.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * A descriptor of the cached file when it is exactly the embedded addon, read in 64 KiB pieces
 * into one small buffer (about 1 ms for the 3 MB addon: docs/performance.md); else undefined.
 */
function openVerified(path: string, expected: Buffer): { fd: number; loadPath: string } | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NONBLOCK | NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size !== expected.byteLength || untrusted(stats)) throw new Error('not the addon');
    const piece = Buffer.allocUnsafe(64 * 1024);
    for (let offset = 0; ; ) {
      const read = readSync(fd, piece, 0, piece.byteLength, offset);
      if (read === 0) {
        if (offset !== expected.byteLength) throw new Error('truncated');
        return { fd, loadPath: path };
      }
      if (piece.compare(expected, offset, offset + read, 0, read) !== 0) throw new Error('different bytes');
      offset += read;
    }
  } catch {
    closeSync(fd);
    return undefined;
  }
}

/** Where only a path can be loaded: write, close, then open and verify as a later run would. */
function writeThenReopen(dir: string, path: string, bytes: Buffer): { fd: number; loadPath: string } {
  closeSync(writeFresh(dir, path, bytes).fd);
  const reopened = openVerified(path, bytes);
  if (!reopened)
    throw new StoreUnavailable(
      `the keyring addon unpacked to ${path} changed before it could be loaded`,
      `Remove it (${process.platform === 'win32' ? 'del' : 'rm'} ${path}) and run dcm again; if it happens again, something else writes to ${dir}`,
    );
  return reopened;
}

/**
 * Writes the addon to a new private file and moves it into place for the next run. The
 * descriptor it was written through is what gets loaded, so parallel first runs (docker
 * compose pull) and a planted file at `path` make no difference to what runs.
 */
function writeFresh(dir: string, path: string, bytes: Buffer): { fd: number; loadPath: string } {
  const temporary = join(dir, `.keyring-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.dcm-tmp`);
  let fd: number;
  try {
    // O_EXCL: never opens an existing file or follows a link.
    fd = openSync(temporary, 'wx+', 0o600);
    for (let offset = 0; offset < bytes.byteLength; ) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
    fsyncSync(fd);
  } catch (error) {
    removeQuietly(temporary);
    throw new StoreUnavailable(
      `the keyring addon cannot be unpacked to ${dir} (${describeErrno(error)})`,
      'Set XDG_CACHE_HOME to a directory you can write, or free some space',
    );
  }
  try {
    renameSync(temporary, path);
    return { fd, loadPath: path };
  } catch {
    // Something that is not a file sits at `path`: this run still loads what it wrote.
    if (!HAS_PROC_FD) {
      closeSync(fd);
      removeQuietly(temporary);
      throw new StoreUnavailable(`the keyring addon cannot be unpacked: ${path} is in the way`, `Remove it (rm -rf ${path})`);
    }
    removeQuietly(temporary);
    return { fd, loadPath: temporary };
  }
}
