/**
 * What more than one command uses: the registry options (declared once), the timeout, the rows
 * of `ls` and `check`, and the store a command opens. Commands import this, never each other.
 */
import type { Command } from 'commander';
import { TOKEN_USERNAME } from '../docker/server-address.ts';
import { UsageError, type StoreName } from '../errors.ts';
import { writeFileAtomically } from '../platform/atomic-file.ts';
import type { Env } from '../platform/paths.ts';
import type { CredentialStore } from '../store/credential-store.ts';
import { openCredentialStore, readSettings } from '../store/select.ts';
import type { CliIo } from './io.ts';

/** `--cert-dir`, `--insecure` and `--timeout`, for every command that talks to registries. */
export interface RegistryOptions {
  certDir?: string;
  insecure?: boolean;
  timeout?: string;
}

/** Declares the registry options on a command (`insecure: false` leaves out --insecure and --cert-dir). */
export function withRegistryOptions(command: Command, options: { tls?: boolean } = {}): Command {
  if (options.tls !== false) {
    command
      .option('--cert-dir <dir>', 'extra CA certificates (*.crt) and client certificate (*.cert + *.key)')
      .option('--insecure', 'skip TLS verification and allow plain HTTP (credentials still go over plain HTTP only to this machine)');
  }
  return command.option('--timeout <seconds>', `seconds to wait for each registry (default ${DEFAULT_TIMEOUT_SECONDS})`);
}

const DEFAULT_TIMEOUT_SECONDS = 15;

export function parseTimeout(raw: string | undefined, fallbackSeconds = DEFAULT_TIMEOUT_SECONDS): number {
  if (raw === undefined) return fallbackSeconds * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
    throw new UsageError(`--timeout must be a number of seconds between 0 and 3600, not ${JSON.stringify(raw).slice(0, 40)}`);
  return Math.round(seconds * 1000);
}

/** One stored login as `dcm ls --json` prints it. */
export interface LoginEntry {
  registry: string;
  /** null for an identity token, whose username Docker does not keep. */
  username: string | null;
  kind: 'password' | 'identity-token';
}

export function toEntries(list: Map<string, string>): LoginEntry[] {
  return [...list]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([registry, username]) =>
      username === TOKEN_USERNAME ? { registry, username: null, kind: 'identity-token' } : { registry, username, kind: 'password' },
    );
}

/** The credential store, as the entry point wants it opened (its hooks). */
export function openStore(io: CliIo): Promise<CredentialStore> {
  return openCredentialStore(io.env, io.storeHooks);
}

/**
 * Records `store` as dcm's store in its configuration file (other keys there are kept); returns
 * the file's path. Atomic, mode 0600, never through a symlink.
 */
export function recordStore(store: StoreName, env: Env): string {
  const { path, settings } = readSettings(env);
  writeFileAtomically(path, `${JSON.stringify({ ...settings, store }, null, 2)}\n`, { followSymlink: false });
  return path;
}
