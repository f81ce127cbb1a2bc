/**
 * The `pass` store: GPG-encrypted files in the standard Unix password store (PASSWORD_STORE_DIR,
 * default ~/.password-store), what Docker's documentation recommends on headless Linux and WSL.
 * Files `dcm/<key>.gpg`, in pass's own format (encrypted to the key ids of the nearest `.gpg-id`),
 * so `pass show dcm/ghcr.io` and `pass show dcm/localhost:5000` read them too: a registry name
 * is the file name as it is, only characters a file name should not hold are %-encoded (Docker
 * Hub's `https://index.docker.io/v1/` is `https:%2F%2Findex.docker.io%2Fv1%2F`). Files are
 * 0600 and the folder 0700, as pass makes them under its umask 077. The index holds no secret
 * (registry → username), so it is kept as plain `dcm/<key>.json`, as private as the rest:
 * `list` costs no decryption, `get` one.
 *
 * gpg runs directly (pass is a shell script around it), with `--batch --pinentry-mode error`: a
 * key whose passphrase no agent holds fails at once with the fix, instead of waiting for a
 * pinentry that never appears (the most common complaint about Docker's pass helper). No
 * decrypted temporary file is ever written: plaintext travels through pipes only.
 */
import { chmodSync, existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CorruptEntry, StoreUnavailable, UsageError } from '../errors.ts';
import { writeFileAtomically } from '../platform/atomic-file.ts';
import { FileProblem, describeErrno, ensureDirectory, readRegularFile, removeQuietly } from '../platform/files.ts';
import type { Env } from '../platform/paths.ts';
import { ProcessFailure, runProcess } from '../platform/process.ts';
import type { SecretBackend } from './types.ts';

/** NAME_MAX on Linux, macOS and the usual file systems. */
const MAX_FILE_NAME_BYTES = 255;
/** An encrypted credential is a few KB; a larger file under dcm/ is not one of ours. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const GPG_OPTIONS = ['--batch', '--quiet', '--yes', '--pinentry-mode', 'error', '--no-encrypt-to', '--compress-algo=none'];

export interface PassBackendOptions {
  /** The password store (PASSWORD_STORE_DIR). */
  dir: string;
  env: Env;
  timeoutMs: number;
  /** Keys whose values hold no secret (the index): kept as plain JSON, read without GPG. */
  publicKeys: ReadonlySet<string>;
}

export class PassBackend implements SecretBackend {
  readonly kind = 'pass';
  readonly description: string;
  readonly #options: PassBackendOptions;
  readonly #folder: string;

  constructor(options: PassBackendOptions) {
    this.#options = options;
    this.#folder = join(options.dir, 'dcm');
    this.description = `pass store (${options.dir})`;
  }

  async get(key: string): Promise<string | undefined> {
    const extension = this.#options.publicKeys.has(key) ? 'json' : 'gpg';
    const current = this.#path(key, extension);
    const legacy = this.#legacyPath(key, extension);
    const path = current && (existsSync(current) || !legacy || !existsSync(legacy)) ? current : legacy;
    // No file can hold a name that long: nothing is stored under it.
    if (!path) return undefined;
    if (this.#options.publicKeys.has(key)) return this.#readPlain(path);
    let encrypted: Buffer;
    try {
      encrypted = readRegularFile(path, { maxBytes: MAX_FILE_BYTES, noFollow: true });
    } catch (error) {
      if (error instanceof FileProblem && error.kind === 'missing') return undefined;
      throw new CorruptEntry(`the pass entry for ${key} cannot be read (${(error as Error).message})`, `remove it with \`dcm logout ${key}\` and log in again`);
    }
    const result = await this.#gpg(['--decrypt'], encrypted);
    if (result.code !== 0) throw await this.#decryptFailure(result.stderr);
    try {
      return UTF8.decode(result.stdout);
    } catch {
      throw new CorruptEntry(`the pass entry for ${key} is not text, so another program wrote it`, `remove it with \`dcm logout ${key}\` and log in again`);
    }
  }

  async set(key: string, value: string): Promise<void> {
    const plain = this.#options.publicKeys.has(key);
    const path = this.#writablePath(key, plain ? 'json' : 'gpg');
    try {
      ensureDirectory(this.#folder);
      // dcm's folder holds the index (registries and usernames): as private as pass's own, even
      // if it was made before under a looser umask.
      if ((statSync(this.#folder).mode & 0o077) !== 0) chmodSync(this.#folder, 0o700);
    } catch (error) {
      throw new StoreUnavailable(`cannot create ${this.#folder} (${describeErrno(error)})`, 'Check PASSWORD_STORE_DIR and its permissions', 'pass');
    }
    if (plain) {
      writeFileAtomically(path, value, { followSymlink: false, mode: 0o600 });
    } else {
      const recipients = this.#recipients();
      // The ciphertext comes back on a pipe and replaces the entry in one rename, written 0600
      // (gpg's own --output would create it under the umask, 0644 by default).
      const result = await this.#gpg(['--encrypt', ...recipients.flatMap((r) => ['--recipient', r])], value);
      if (result.code !== 0) throw gpgFailure(result.stderr, this.#options.dir, 'encrypt');
      writeFileAtomically(path, result.stdout, { followSymlink: false, mode: 0o600 });
    }
    // An entry of dcm 0.1, under its fully %-encoded name, is replaced by this one.
    const legacy = this.#legacyPath(key, plain ? 'json' : 'gpg');
    if (legacy && legacy !== path) removeQuietly(legacy);
  }

  async delete(key: string): Promise<boolean> {
    const extension = this.#options.publicKeys.has(key) ? 'json' : 'gpg';
    let deleted = false;
    for (const path of new Set([this.#path(key, extension), this.#legacyPath(key, extension)])) {
      if (!path) continue;
      try {
        unlinkSync(path);
        deleted = true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new StoreUnavailable(`cannot remove ${path} (${describeErrno(error)})`, 'Check the permissions of the password store', 'pass');
      }
    }
    return deleted;
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = readdirSync(this.#folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StoreUnavailable(`cannot read ${this.#folder} (${describeErrno(error)})`, 'Check the permissions of the password store', 'pass');
    }
    const keys: string[] = [];
    for (const name of names) {
      const match = /^([^.][^/]*)\.(gpg|json)$/.exec(name);
      if (!match) continue;
      try {
        keys.push(decodeURIComponent(match[1]!));
      } catch {
        // Not a name dcm writes.
      }
    }
    return [...new Set(keys)];
  }

  /** The entry's file; undefined when its name would be longer than a file name may be. */
  #path(key: string, extension: 'gpg' | 'json'): string | undefined {
    const name = `${passName(key)}.${extension}`;
    return Buffer.byteLength(name) > MAX_FILE_NAME_BYTES ? undefined : join(this.#folder, name);
  }

  /** Where dcm 0.1 kept the entry (every reserved character %-encoded), read when the new name has none. */
  #legacyPath(key: string, extension: 'gpg' | 'json'): string | undefined {
    const name = `${encodeURIComponent(key)}.${extension}`;
    return Buffer.byteLength(name) > MAX_FILE_NAME_BYTES ? undefined : join(this.#folder, name);
  }

  /** The entry's file for a write: a name too long for one is an error naming the limit. */
  #writablePath(key: string, extension: 'gpg' | 'json'): string {
    const path = this.#path(key, extension);
    if (path) return path;
    throw new UsageError(
      `the registry name ${JSON.stringify(key.slice(0, 60))}${key.length > 60 ? '…' : ''} is too long for the pass store: its file name would be ${Buffer.byteLength(`${passName(key)}.${extension}`)} bytes, and a file name may have at most ${MAX_FILE_NAME_BYTES}`,
    );
  }

  #readPlain(path: string): string | undefined {
    try {
      return readRegularFile(path, { maxBytes: MAX_FILE_BYTES, noFollow: true }).toString('utf8');
    } catch (error) {
      if (error instanceof FileProblem && error.kind === 'missing') return undefined;
      throw new StoreUnavailable(`${(error as Error).message}`, 'Remove it; dcm rebuilds it from the entries', 'pass');
    }
  }

  /** The key ids of the nearest `.gpg-id`, from dcm/ up to the store's root, as pass finds them. */
  #recipients(): string[] {
    for (let dir = this.#folder; ; dir = dirname(dir)) {
      try {
        const ids = readRegularFile(join(dir, '.gpg-id'), { maxBytes: 64 * 1024 })
          .toString('utf8')
          .split(/\r?\n/)
          .map((line) => line.replace(/#.*/, '').trim())
          .filter(Boolean);
        if (ids.length > 0) return ids;
      } catch {
        // Not here: look higher.
      }
      if (dir === this.#options.dir || dirname(dir) === dir) break;
    }
    throw new StoreUnavailable(
      `the password store ${this.#options.dir} is not initialised (no .gpg-id)`,
      'Run: pass init YOUR-GPG-KEY-ID (see `gpg --list-secret-keys`)',
      'pass',
    );
  }

  /**
   * gpg says "No secret key" both when the key is missing and when its passphrase could not be
   * asked for (--pinentry-mode error): whether the secret key is there tells the two apart.
   */
  async #decryptFailure(stderr: string): Promise<StoreUnavailable> {
    if (/no secret key/i.test(stderr)) {
      const ids = (() => {
        try {
          return this.#recipients();
        } catch {
          return [];
        }
      })();
      const listed = ids.length > 0 ? await this.#gpg(['--list-secret-keys', '--', ...ids], '') : undefined;
      if (listed?.code === 0) return gpgFailure('no passphrase', this.#options.dir, 'decrypt');
    }
    return gpgFailure(stderr, this.#options.dir, 'decrypt');
  }

  async #gpg(args: string[], input: string | Buffer) {
    try {
      return await runProcess('gpg', [...GPG_OPTIONS, ...args], { input, env: this.#options.env, timeoutMs: this.#options.timeoutMs });
    } catch (error) {
      if (error instanceof ProcessFailure && error.kind === 'not-found')
        throw new StoreUnavailable('gpg is not installed', 'Install it: apt-get install gnupg pass', 'pass');
      if (error instanceof ProcessFailure && error.kind === 'timeout') {
        throw new StoreUnavailable(
          `gpg did not answer within ${Math.round(this.#options.timeoutMs / 1000)} s (a gpg-agent waiting for something?)`,
          'Check `gpg-connect-agent /bye`; set DCM_KEYCHAIN_TIMEOUT_MS to wait longer',
          'pass',
        );
      }
      throw error;
    }
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** What gpg's complaint means for the user, with the fix; gpg's own text is kept to one short line. */
function gpgFailure(stderr: string, dir: string, operation: 'decrypt' | 'encrypt'): StoreUnavailable {
  const text = stderr.replace(/\s+/g, ' ').trim();
  if (/no secret key/i.test(text)) {
    return new StoreUnavailable(
      `gpg has no secret key to decrypt the entries in ${dir}`,
      'Import the key this store was initialised with into GNUPGHOME (gpg --import), or re-initialise with `pass init KEYID`',
      'pass',
    );
  }
  if (/pinentry|inappropriate ioctl|bad passphrase|operation cancelled|no passphrase/i.test(text)) {
    return new StoreUnavailable(
      'the GPG key needs a passphrase and no gpg-agent holds it (dcm never waits for a pinentry)',
      'Preset it: `/usr/lib/gnupg/gpg-preset-passphrase --preset KEYGRIP` with allow-preset-passphrase in gpg-agent.conf, or use a key without a passphrase for this store',
      'pass',
    );
  }
  if (/no public key|unusable public key|encryption failed/i.test(text) && operation === 'encrypt') {
    return new StoreUnavailable(
      `gpg cannot encrypt to the key ids in ${dir}'s .gpg-id (${text.slice(0, 160)})`,
      'Run `gpg --list-keys` and re-initialise with `pass init KEYID`',
      'pass',
    );
  }
  return new StoreUnavailable(`gpg failed to ${operation}: ${text.slice(0, 200) || 'no reason given'}`, 'Run `dcm doctor` to check the set-up', 'pass');
}

/**
 * A registry key as a file name `pass show` finds as it is typed: letters, digits and `.`, `-`,
 * `_`, `:` stay; anything else (`/`, `%`, `@`, spaces) is %-encoded. `decodeURIComponent` reads
 * both this and dcm 0.1's names back.
 */
export function passName(key: string): string {
  return key.replace(/[^A-Za-z0-9._:-]/gu, (c) => encodeURIComponent(c).replace(/[!'()*]/g, (x) => `%${x.charCodeAt(0).toString(16).toUpperCase()}`));
}
