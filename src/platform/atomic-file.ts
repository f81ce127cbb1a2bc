/**
 * Atomic file replacement: write a temporary file in the same directory (mode 0600), fsync it,
 * rename it over the target, fsync the directory. A crash leaves the old file or the new one,
 * never half of one, and parallel writers never expose a partial file to a reader.
 */
import { closeSync, fchmodSync, fchownSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FileWriteFailed } from '../errors.ts';
import { describeErrno, ensureDirectory, removeQuietly } from './files.ts';

/**
 * Replaces `path` with `data`. A symlinked config.json is followed, as the Docker CLI follows it
 * (dotfile managers link it), so the link survives; every file that only dcm writes (a backup,
 * the cached addon) is not (`followSymlink: false`): a link planted there is replaced by the
 * rename, never written through, and its target is never touched.
 */
export function writeFileAtomically(path: string, data: string | Uint8Array, options: { followSymlink?: boolean; mode?: number } = {}): void {
  const target = options.followSymlink !== false && isSymlink(path) ? resolvedLink(path) : path;
  const dir = dirname(target);
  const temporary = join(dir, `.${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.dcm-tmp`);
  const previous = ownerOf(target);
  try {
    ensureDirectory(dir);
    // 0600 unless the caller keeps a file's own mode (daemon.json is world-readable).
    const fd = openSync(temporary, 'wx', options.mode ?? 0o600);
    if (options.mode !== undefined) fchmodSync(fd, options.mode);
    try {
      // The new file keeps the old one's owner and group (root editing /etc/docker/daemon.json
      // must not make it root's). Only root may give a file away; anyone may keep their own.
      if (previous) keepOwner(fd, previous);
      if (typeof data === 'string') writeSync(fd, data);
      else writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (error) {
    removeQuietly(temporary);
    throw new FileWriteFailed(`cannot write ${target}: ${describeErrno(error)}`);
  }
  syncDirectory(dir);
}

function ownerOf(path: string): { uid: number; gid: number } | undefined {
  try {
    const stats = lstatSync(path);
    return stats.isFile() ? { uid: stats.uid, gid: stats.gid } : undefined;
  } catch {
    return undefined;
  }
}

function keepOwner(fd: number, owner: { uid: number; gid: number }): void {
  try {
    fchownSync(fd, owner.uid, owner.gid);
  } catch (error) {
    // EPERM: not root and not the owner's group; the file becomes the writer's, as any editor's would.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The link's final target; a dangling link resolves to the path it names. */
function resolvedLink(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported on every platform (Windows); the rename itself is still atomic.
  }
}
