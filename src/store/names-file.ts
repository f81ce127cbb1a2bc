/**
 * The registry names dcm holds, one per line, in `<state dir>/registries` (mode 0600): what shell
 * completion reads, so that a Tab never touches the keychain (which could block on an unlock
 * prompt) and never reads a secret. Names only, never a username or a secret. Written after the
 * index changes and refreshed by `list`; a failure to write it never fails the store (it is a
 * convenience, and completion just offers fewer names).
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDirectory, readRegularFile, removeQuietly } from '../platform/files.ts';
import { stateDir, type Env } from '../platform/paths.ts';

/** Thousands of names; a larger file is not one dcm wrote. */
const MAX_NAMES_BYTES = 256 * 1024;

export function namesFilePath(env: Env): string {
  return join(stateDir(env), 'registries');
}

/** Keeps the names file equal to `names`; quiet on any failure. */
export function writeNamesFile(env: Env, names: Iterable<string>): void {
  const path = namesFilePath(env);
  const text = [...names]
    .sort()
    .map((name) => `${name}\n`)
    .join('');
  try {
    // Under the same rules as every file dcm reads: a FIFO or a link to /dev/zero in its place
    // is not waited on or read without end; the rename below replaces it.
    if (readRegularFile(path, { maxBytes: MAX_NAMES_BYTES, noFollow: true }).toString('utf8') === text) return;
  } catch {
    // Missing, unreadable or not a regular file: write it.
  }
  const temporary = `${path}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    ensureDirectory(stateDir(env));
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch {
    removeQuietly(temporary);
  }
}

/** The names, for completion; none when the file is missing or unreadable. */
export function readNamesFile(env: Env): string[] {
  try {
    return readRegularFile(namesFilePath(env), { maxBytes: MAX_NAMES_BYTES, noFollow: true })
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '' && line.length < 300 && !/\s/.test(line));
  } catch {
    return [];
  }
}
