/**
 * Atomic file replacement: write a temporary file in the same directory (mode 0600), fsync it,
 * rename it over the target, fsync the directory. A crash leaves the old file or the new one,
 * never half of one, and parallel writers never expose a partial file to a reader.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Replaces `path` with `data`. A symlinked config.json is followed, so the link survives; a cache
 * file is not (`followSymlink: false`): a link planted there is replaced, never written through.
 */
export function writeFileAtomically(path: string, data: string | Uint8Array, options: { followSymlink?: boolean } = {}): void {
  const target = options.followSymlink !== false && existsSync(path) ? realpathSync(path) : path;
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.dcm-tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(dir);
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
