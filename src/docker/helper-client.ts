/**
 * Another credential helper, asked the way Docker asks it (docs/helper-protocol.md): one
 * process per call, `docker-credential-<name> <verb>`, the input on stdin, the answer on stdout,
 * decoded with the same codec dcm's own helper uses. Read-only unless `erase` is called.
 */
import { HelperFailed, UsageError, oneLine } from '../errors.ts';
import { decodeGetReply, type Credentials } from './helper-protocol.ts';
import type { Env } from '../platform/paths.ts';
import { ProcessFailure, runProcess } from '../platform/process.ts';

/** Longest wait for one call of the other helper (a `pass` helper may wait on a GPG agent). */
const HELPER_TIMEOUT_MS = 30_000;

/** secretservice from v0.9 lists keys as "Registry credentials for <url>", which its own get refuses. */
const SECRETSERVICE_LABEL = 'Registry credentials for ';

/** The server address to ask the source helper for, given a key its `list` printed. */
export function serverFromListKey(key: string): string {
  return key.startsWith(SECRETSERVICE_LABEL) ? key.slice(SECRETSERVICE_LABEL.length) : key;
}

export class HelperClient {
  /** `docker-credential-<name>`. */
  readonly program: string;
  readonly #env: Env;

  /** `name` as config.json writes it (`secretservice`, `pass`, `desktop`), with or without the prefix. */
  constructor(name: string, env: Env) {
    const bare = name.replace(/^docker-credential-/, '');
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(bare))
      throw new UsageError(`${JSON.stringify(name.slice(0, 40))} is not a helper name such as secretservice, pass, osxkeychain, wincred or desktop`);
    this.program = `docker-credential-${bare}`;
    this.#env = env;
  }

  /** `list`: the keys the helper holds, each with its username. */
  async list(): Promise<Map<string, string>> {
    const listed = await this.#call('list', 'unused');
    let map: unknown;
    try {
      map = JSON.parse(listed.stdout || 'null');
    } catch {
      map = undefined;
    }
    if (listed.code !== 0 || typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw new HelperFailed(`${this.program} list did not print a JSON object: ${oneLine(listed.stdout).slice(0, 200) || '(empty)'}`);
    }
    return new Map(Object.entries(map).map(([key, user]) => [key, typeof user === 'string' ? user : '']));
  }

  /** `get`: the credentials, or why there are none (the helper's own one-line answer). */
  async get(server: string): Promise<{ credentials: Credentials } | { failure: string }> {
    const got = await this.#call('get', server);
    if (got.code !== 0) return { failure: oneLine(got.stdout).slice(0, 200) || `${this.program} get failed` };
    try {
      return { credentials: decodeGetReply(got.stdout) };
    } catch (error) {
      return { failure: `${this.program} get: ${oneLine(error)}` };
    }
  }

  /** `erase`: undefined when done, else the helper's answer. */
  async erase(server: string): Promise<string | undefined> {
    const erased = await this.#call('erase', server);
    return erased.code === 0 ? undefined : oneLine(erased.stdout).slice(0, 200) || `${this.program} erase failed`;
  }

  /** One call, with a deadline that really ends the wait (platform/process.ts). */
  async #call(verb: string, input: string): Promise<{ stdout: string; code: number }> {
    try {
      const result = await runProcess(this.program, [verb], { input, env: this.#env, timeoutMs: HELPER_TIMEOUT_MS });
      return { stdout: result.stdout.toString('utf8'), code: result.code };
    } catch (error) {
      if (error instanceof ProcessFailure && error.kind === 'not-found') throw new UsageError(`${this.program} is not on PATH`);
      if (error instanceof ProcessFailure && error.kind === 'timeout') {
        throw new HelperFailed(`${this.program} ${verb} did not answer within ${HELPER_TIMEOUT_MS / 1000} s (waiting for a password prompt or a GPG agent?)`);
      }
      throw new HelperFailed(`${this.program} could not be started: ${(error as Error).message}`);
    }
  }
}
