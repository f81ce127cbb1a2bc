/**
 * Another credential helper, asked the way Docker asks it (docs/helper-protocol.md): one
 * process per call, `docker-credential-<name> <verb>`, the input on stdin, the answer on stdout,
 * decoded with the same codec dcm's own helper uses. Read-only unless `erase` is called.
 */
import { spawn } from 'node:child_process';
import { HelperFailed, UsageError, oneLine } from '../errors.ts';
import { decodeGetReply, type Credentials } from '../helper/protocol.ts';
import type { Env } from '../platform/paths.ts';

/** Longest wait for one call of the other helper (a `pass` helper may wait on a GPG agent). */
const HELPER_TIMEOUT_MS = 30_000;
/** After the helper exits, how long its stdout may stay open (held by a process it left behind). */
const DRAIN_AFTER_EXIT_MS = 500;
const MAX_HELPER_OUTPUT = 1024 * 1024;

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

  /**
   * One call. The wait really ends: at the helper's exit (a grandchild that keeps its stdout open
   * is not waited for beyond a short drain), or at the deadline, when the helper is killed and its
   * stdout closed.
   */
  #call(verb: string, input: string): Promise<{ stdout: string; code: number }> {
    const program = this.program;
    return new Promise((resolve, reject) => {
      const child = spawn(program, [verb], { env: this.#env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'inherit'] });
      let stdout = '';
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        child.stdout.destroy();
        outcome();
      };
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        if (stdout.length < MAX_HELPER_OUTPUT) stdout += chunk;
      });
      timers.push(
        setTimeout(() => {
          child.kill('SIGKILL');
          finish(() =>
            reject(new HelperFailed(`${program} ${verb} did not answer within ${HELPER_TIMEOUT_MS / 1000} s (waiting for a password prompt or a GPG agent?)`)),
          );
        }, HELPER_TIMEOUT_MS),
      );
      child.on('error', (error: NodeJS.ErrnoException) => {
        finish(() =>
          reject(
            error.code === 'ENOENT'
              ? new UsageError(`${program} is not on PATH`)
              : new HelperFailed(`${program} could not be started: ${error.code ?? error.message}`),
          ),
        );
      });
      child.on('exit', (code) => {
        const done = () => finish(() => resolve({ stdout, code: code ?? 1 }));
        child.stdout.once('close', done);
        timers.push(setTimeout(done, DRAIN_AFTER_EXIT_MS));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    });
  }
}
