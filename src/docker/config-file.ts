/**
 * ~/.docker/config.json: read it, change it, write it back without losing anything.
 *
 * Writes are atomic and mode 0600 (atomic-file.ts); every key dcm does not own is kept, and so
 * is the file's indentation (Docker writes tabs).
 */
import { lstatSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically } from '../platform/atomic-file.ts';
import { DockerConfigError } from '../errors.ts';
import { registriesWithPlaintext, withoutSecrets } from './auths.ts';
import { FileProblem, readRegularFile } from '../platform/files.ts';
import type { Env } from '../platform/paths.ts';

/** Far above any real config.json (a few KB); a larger "config" is not one, and is not read. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface DockerConfigFile {
  path: string;
  exists: boolean;
  data: Record<string, unknown>;
  /** The indentation unit found in the file, or Docker's tab for a new file. */
  indent: string;
  trailingNewline: boolean;
  /** The file's text as read ('' for a new file). */
  text: string;
}

/** `$DOCKER_CONFIG`, else `~/.docker` (as the Docker CLI resolves it). */
function dockerConfigDir(env: Env): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

export function dockerConfigPath(env: Env): string {
  return join(dockerConfigDir(env), 'config.json');
}

/**
 * Reads and parses a config.json. A symlink is followed (as Docker follows it); anything that
 * is not a regular file of at most {@link MAX_CONFIG_BYTES} is refused before it is read.
 */
export function readDockerConfig(path: string, options: { noFollow?: boolean } = {}): DockerConfigFile {
  let text: string;
  try {
    text = readRegularFile(path, { maxBytes: MAX_CONFIG_BYTES, noFollow: options.noFollow }).toString('utf8');
  } catch (error) {
    if (error instanceof FileProblem && error.kind === 'missing') return { path, exists: false, data: {}, indent: '\t', trailingNewline: false, text: '' };
    throw new DockerConfigError(`${error instanceof FileProblem ? error.message : `${path} cannot be read`}; dcm changes nothing it cannot read`);
  }
  if (text.trim() === '') return { path, exists: true, data: {}, indent: '\t', trailingNewline: false, text };
  // Writing a deeply nested value back would overflow the stack: refuse it as malformed, up front.
  if (nestingDepth(text) > MAX_NESTING) {
    throw new DockerConfigError(
      `${path} nests more than ${MAX_NESTING} levels deep, which no Docker file does; fix or move it, then retry (nothing was changed)`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new DockerConfigError(`${path} is not valid JSON; fix or move it, then retry (dcm changes nothing it cannot parse)`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new DockerConfigError(`${path} does not hold a JSON object; fix or move it, then retry`);
  }
  return { path, exists: true, data: data as Record<string, unknown>, indent: detectIndent(text), trailingNewline: text.endsWith('\n'), text };
}

/**
 * `credHelpers` as Docker reads it: an object of registry → helper name (docs/helper-protocol.md,
 * "Which helper Docker asks"). Anything else is refused, and the file left as it is.
 */
export function credHelpersOf(data: Readonly<Record<string, unknown>>, path: string): Record<string, unknown> {
  const value = data.credHelpers;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DockerConfigError(
      `"credHelpers" in ${path} is ${Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object of registry → helper; fix it, then retry (nothing was changed)`,
    );
  }
  return value as Record<string, unknown>;
}

/** Far deeper than any config.json or daemon.json (four or five levels). */
const MAX_NESTING = 64;

/** How deep objects and arrays nest in a JSON text, strings skipped; without parsing or recursion. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** The indentation of the first indented line: a tab, or some number of spaces. */
export function detectIndent(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? '\t';
}

export function renderDockerConfig(file: Pick<DockerConfigFile, 'data' | 'indent' | 'trailingNewline'>): string {
  return JSON.stringify(file.data, null, file.indent) + (file.trailingNewline ? '\n' : '');
}

export function writeDockerConfig(file: DockerConfigFile): void {
  writeFileAtomically(file.path, renderDockerConfig(file));
}

/** Where {@link backupOnce} keeps the original. */
function backupPath(configPath: string): string {
  return `${configPath}.dcm-backup`;
}

/**
 * Keeps config.json as it was before dcm in config.json.dcm-backup (mode 0600), only the first
 * time. A backup must not become the plaintext that `dcm migrate` removes: when the original
 * holds secrets, the backup is the original without them; otherwise it is an exact copy. The
 * backup is dcm's own file: a symlink (or anything but a regular file) in its place is refused,
 * never followed, so no other file is ever rewritten or created through it.
 */
export function backupOnce(path: string): string | undefined {
  const backup = backupPath(path);
  if (backupExists(backup)) {
    scrubBackup(backup);
    return backup;
  }
  const original = readDockerConfig(path);
  if (!original.exists) return undefined;
  const secrets = registriesWithPlaintext(original.data);
  const text = secrets.length === 0 ? original.text : renderDockerConfig({ ...original, data: withoutSecrets(original.data, secrets) });
  writeFileAtomically(backup, text, { followSymlink: false });
  return backup;
}

/**
 * The backup's settings, for `dcm setup --undo`; undefined when there is none. A backup that
 * exists but cannot be read is an error: undo must not guess what the original said.
 */
export function readBackup(path: string): Record<string, unknown> | undefined {
  const backup = backupPath(path);
  if (!backupExists(backup)) return undefined;
  try {
    return readDockerConfig(backup, { noFollow: true }).data;
  } catch (error) {
    throw new DockerConfigError(
      `${(error as Error).message.replace(/; dcm changes nothing.*$/, '')}; dcm cannot tell what config.json said before dcm, so nothing was changed. Fix or remove ${backup}, then retry`,
    );
  }
}

/** True for a regular file, false when absent; anything else is refused with the fix. */
function backupExists(backup: string): boolean {
  let stats: Stats;
  try {
    stats = lstatSync(backup);
  } catch {
    return false;
  }
  if (stats.isFile()) return true;
  const what = stats.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
  throw new DockerConfigError(`${backup} is ${what}; dcm never writes through it. Remove it (rm ${backup}) and retry`);
}

/** A backup written by an older dcm may hold secrets: remove them. */
function scrubBackup(backup: string): void {
  let file: DockerConfigFile;
  try {
    file = readDockerConfig(backup, { noFollow: true });
  } catch {
    // An unreadable backup is left alone: it is not ours to judge.
    return;
  }
  const secrets = registriesWithPlaintext(file.data);
  if (secrets.length > 0) writeFileAtomically(backup, renderDockerConfig({ ...file, data: withoutSecrets(file.data, secrets) }), { followSymlink: false });
}
