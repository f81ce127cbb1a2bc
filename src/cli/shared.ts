/**
 * What more than one command uses: the registry options (declared once), the timeout, the rows
 * of `ls` and `check`, and the store a command opens. Commands import this, never each other.
 */
import type { Command } from 'commander';
import { findPlaintext } from '../docker/auths.ts';
import { dockerConfigPath, readDockerConfig } from '../docker/config-file.ts';
import { authsEntryFor, sourceFor, type CredentialSource } from '../docker/credential-sources.ts';
import { HelperClient } from '../docker/helper-client.ts';
import { TOKEN_USERNAME } from '../docker/server-address.ts';
import { UsageError } from '../errors.ts';
import type { CredentialStore } from '../store/credential-store.ts';
import { openCredentialStore } from '../store/select.ts';
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

/** A login Docker has for a registry, and where it came from. */
export interface DockerLogin {
  username: string;
  secret: string;
  source: CredentialSource;
}

/**
 * The login Docker would use for `registry` (a canonical key), read where Docker keeps it
 * (docker/credential-sources.ts): another helper through the protocol, config.json's plaintext
 * `auths`, or dcm's own store. When Docker's source holds nothing, dcm's own store is asked too
 * (a `dcm login` without `dcm setup`). Read-only: nothing is written anywhere.
 */
export async function dockerLogin(io: CliIo, registry: string): Promise<DockerLogin | undefined> {
  const config = readDockerConfig(dockerConfigPath(io.env)).data;
  const source = sourceFor(config, registry);
  if (source.kind === 'auths') {
    const entry = authsEntryFor(config, registry);
    const found = findPlaintext(config).credentials.find((c) => c.entry === entry);
    if (found) return { username: found.username, secret: found.secret, source };
  } else if (source.helper !== 'dcm') {
    const got = await new HelperClient(source.helper, io.env).get(registry);
    if ('credentials' in got) return { username: got.credentials.username, secret: got.credentials.secret, source };
    return undefined;
  }
  const stored = await (await openStore(io)).get(registry);
  return stored ? { ...stored, source: { kind: 'helper', helper: 'dcm', via: source.kind === 'helper' ? source.via : 'credsStore' } } : undefined;
}
