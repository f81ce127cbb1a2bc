/**
 * ~/.docker/config.json: read it, change it, write it back without losing anything.
 *
 * Writes are atomic and mode 0600 (atomic-file.ts); every key dcm does not own is kept, and so
 * is the file's indentation (Docker writes tabs).
 */
import { chmodSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically } from './atomic-file.ts';
import { DockerConfigError } from './errors.ts';
import { registriesWithPlaintext, withoutSecrets } from './docker-auths.ts';
import type { Env } from './paths.ts';

export interface DockerConfigFile {
  path: string;
  exists: boolean;
  data: Record<string, unknown>;
  /** The indentation unit found in the file, or Docker's tab for a new file. */
  indent: string;
  trailingNewline: boolean;
}

/** `$DOCKER_CONFIG`, else `~/.docker` (as the Docker CLI resolves it). */
export function dockerConfigDir(env: Env): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

export function dockerConfigPath(env: Env): string {
  return join(dockerConfigDir(env), 'config.json');
}

export function readDockerConfig(path: string): DockerConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, exists: false, data: {}, indent: '\t', trailingNewline: false };
    throw new DockerConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (text.trim() === '') return { path, exists: true, data: {}, indent: '\t', trailingNewline: false };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new DockerConfigError(`${path} is not valid JSON; fix or move it, then retry (dcm changes nothing it cannot parse)`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new DockerConfigError(`${path} does not hold a JSON object; fix or move it, then retry`);
  }
  return { path, exists: true, data: data as Record<string, unknown>, indent: detectIndent(text), trailingNewline: text.endsWith('\n') };
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

/**
 * Keeps config.json as it was before dcm in config.json.dcm-backup (mode 0600), only the first
 * time. A backup must not become the plaintext that `dcm migrate` removes: when the original
 * holds secrets, the backup is the original without them; otherwise it is an exact copy.
 */
export function backupOnce(path: string): string | undefined {
  const backup = `${path}.dcm-backup`;
  if (existsSync(backup)) {
    scrubBackup(backup);
    return backup;
  }
  if (!existsSync(path)) return undefined;
  const original = readDockerConfig(path);
  const secrets = registriesWithPlaintext(original.data);
  if (secrets.length === 0) copyFileSync(path, backup);
  else writeFileAtomically(backup, renderDockerConfig({ ...original, data: withoutSecrets(original.data, secrets) }));
  chmodSync(backup, 0o600);
  return backup;
}

/** A backup written by an older dcm may hold secrets: remove them. */
function scrubBackup(backup: string): void {
  try {
    const file = readDockerConfig(backup);
    const secrets = registriesWithPlaintext(file.data);
    if (secrets.length > 0) writeFileAtomically(backup, renderDockerConfig({ ...file, data: withoutSecrets(file.data, secrets) }));
  } catch {
    // An unreadable backup is left alone: it is not ours to judge.
  }
}
