/**
 * The `cache` store: credentials held in memory only, by a per-user dcm agent that the first
 * store starts (as git-credential-cache and ssh-agent do), for CI jobs and SSH sessions where a
 * login should last as long as the job or the session. Nothing is written to disk, ever: the
 * agent holds each value in memory until its time to live runs out, and exits when it holds
 * nothing.
 *
 * The agent listens on a unix socket in a private directory, `$XDG_RUNTIME_DIR/dcm` (else
 * `<tmpdir>/dcm-<uid>`): the directory must be ours and closed to everyone else (0700), and the
 * socket path must be a socket, or dcm refuses it in one line. The protocol is one JSON line
 * each way per request. An agent that exits normally removes its socket; a socket that no one
 * answers means the agent was killed, and `get` says so instead of "not found".
 *
 * One agent per job, not per user: the socket's name carries a scope made of HOME, Docker's
 * configuration directory and, in CI, the job's own id (GitHub Actions' run, attempt and job;
 * GitLab's CI_JOB_ID; Buildkite's BUILDKITE_JOB_ID; else the runner's RUNNER_TEMP), so a job
 * started later on the same runner account, or with another HOME, meets an empty cache, not the
 * logins of the one before. (Processes of one uid can always reach each other's sockets: this
 * keeps jobs apart, it does not defend one from another that looks for it.)
 *
 * Beside the socket, `cache-<scope>.expiry` holds, for each registry, when its login goes
 * (names and times, no secret): `dcm ls` shows it, and a login that has expired is reported as
 * expired in the cache store, not as missing.
 */
import { connect } from 'node:net';
import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { CacheExpired, StoreUnavailable } from '../errors.ts';
import { writeFileAtomically } from '../platform/atomic-file.ts';
import { humanWindow } from '../platform/durations.ts';
import { privateDirectoryProblem, readRegularFile } from '../platform/files.ts';
import { xdgDir, type Env } from '../platform/paths.ts';
import type { SecretBackend } from './types.ts';

/**
 * A working day, and longer than a GitHub-hosted job may run (6 h): git-credential-cache's 15
 * minutes and gpg-agent's 10 minutes (2 h at most) would expire in the middle of a CI job.
 */
export const DEFAULT_CACHE_TTL_MS = 8 * 3600 * 1000;

/** The longest time to live DCM_CACHE_TTL takes (30d), and the agent accepts. */
export const MAX_CACHE_TTL_MS = 30 * 86_400_000;

export type CacheRequest = { op: 'get' | 'delete'; key: string } | { op: 'set'; key: string; value: string; ttlMs: number } | { op: 'list' };
export type CacheReply = { ok: true; value?: string; deleted?: boolean; keys?: string[] } | { ok: false; error: string };

/**
 * Which job this is (see the top of this file): 16 hex digits of a hash, so that the socket's
 * path says nothing about the job and stays short.
 */
export function cacheScope(env: Env): string {
  const job =
    env.GITHUB_ACTIONS === 'true'
      ? `github:${env.GITHUB_RUN_ID ?? ''}:${env.GITHUB_RUN_ATTEMPT ?? ''}:${env.GITHUB_JOB ?? ''}`
      : env.CI_JOB_ID
        ? `gitlab:${env.CI_JOB_ID}`
        : env.BUILDKITE_JOB_ID
          ? `buildkite:${env.BUILDKITE_JOB_ID}`
          : env.RUNNER_TEMP
            ? `runner:${env.RUNNER_TEMP}`
            : '';
  const home = env.HOME ?? '';
  const docker = env.DOCKER_CONFIG ?? join(home, '.docker');
  return createHash('sha256')
    .update(JSON.stringify([home, docker, job]))
    .digest('hex')
    .slice(0, 16);
}

/** The agent's private directory and socket, checked; refused in one line when unsafe. */
export function cacheSocket(env: Env): string {
  // A relative XDG_RUNTIME_DIR is ignored, as the XDG specification says (paths.ts).
  const runtime = xdgDir(env, 'XDG_RUNTIME_DIR');
  const dir = runtime ? join(runtime, 'dcm') : join(tmpdir(), `dcm-${userInfo().uid}`);
  const problem = privateDirectoryProblem(dir);
  if (problem) {
    const fix = problem.startsWith('it is open')
      ? `Run chmod 700 ${dir}`
      : problem.startsWith('it is not a directory')
        ? `Remove it (rm ${dir})`
        : 'Set XDG_RUNTIME_DIR to a private directory of yours';
    throw new StoreUnavailable(
      problem.startsWith('it cannot be created') ? `cannot create the agent's directory ${dir} (${problem.slice(22, -1)})` : `refusing ${dir}: ${problem}`,
      fix,
      'cache',
    );
  }
  const socket = join(dir, `cache-${cacheScope(env)}.sock`);
  const existing = lstatSync(socket, { throwIfNoEntry: false });
  if (existing && !existing.isSocket())
    throw new StoreUnavailable(`refusing ${socket}: it is not a socket`, `Remove it (rm ${socket}); the next store starts the agent`, 'cache');
  return socket;
}

export interface CacheBackendOptions {
  socket: string;
  /** Keys read as "nothing cached" even from a killed agent (the index: a store must go on). */
  quietKeys: ReadonlySet<string>;
  ttlMs: number;
  timeoutMs: number;
  /** Starts an agent on `socket` in the background (main.ts runs dcm itself with the agent verb). */
  startAgent: (socket: string) => void;
}

export class CacheBackend implements SecretBackend {
  readonly kind = 'cache';
  readonly description: string;
  /** Entries expire: the index may name a login the agent has forgotten (credential-store.ts). */
  readonly expires = true;
  readonly #options: CacheBackendOptions;

  constructor(options: CacheBackendOptions) {
    this.#options = options;
    this.description = `cache agent (${options.socket}, logins kept ${humanWindow(Math.round(options.ttlMs / 1000))})`;
  }

  async get(key: string): Promise<string | undefined> {
    const value = (await this.#ask({ op: 'get', key }, this.#options.quietKeys.has(key) ? 'empty' : 'read')).value;
    if (value === undefined && !this.#options.quietKeys.has(key)) {
      const went = this.#expiries()[key];
      if (went !== undefined && went <= Date.now()) throw new CacheExpired(key, new Date(went).toISOString());
    }
    return value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.#ask({ op: 'set', key, value, ttlMs: this.#options.ttlMs }, 'start');
    if (!this.#options.quietKeys.has(key)) this.#record(key, Date.now() + this.#options.ttlMs);
  }

  async delete(key: string): Promise<boolean> {
    const deleted = (await this.#ask({ op: 'delete', key }, 'empty')).deleted === true;
    if (!this.#options.quietKeys.has(key)) this.#record(key, undefined);
    return deleted;
  }

  /** When the cached login of `key` goes (or went), as the expiry file says. */
  expiresAt(key: string): Date | undefined {
    const at = this.#expiries()[key];
    return at === undefined ? undefined : new Date(at);
  }

  get #expiryFile(): string {
    return this.#options.socket.replace(/\.sock$/, '.expiry');
  }

  #expiries(): Record<string, number> {
    try {
      const parsed = JSON.parse(readRegularFile(this.#expiryFile, { maxBytes: 256 * 1024, noFollow: true }).toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null) return {};
      return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
    } catch {
      return {};
    }
  }

  /** Names and times only; a file that cannot be written costs the "expired" message, nothing else. */
  #record(key: string, expires: number | undefined): void {
    const now = Date.now();
    // Expired entries are kept a day, so that "expired" is said for a while, then forgotten.
    const kept = Object.fromEntries(Object.entries(this.#expiries()).filter(([name, at]) => name !== key && at > now - 86_400_000));
    if (expires !== undefined) kept[key] = expires;
    try {
      writeFileAtomically(this.#expiryFile, JSON.stringify(kept), { followSymlink: false });
    } catch {
      // See above.
    }
  }

  async list(): Promise<string[]> {
    return (await this.#ask({ op: 'list' }, 'empty')).keys ?? [];
  }

  /**
   * What an exchange that failed means: true for "answer as an empty cache", false for "start
   * an agent and try again"; anything else is thrown as the cache store being unavailable.
   */
  #noAgentAnswer(error: unknown, noAgent: 'start' | 'empty' | 'read'): boolean {
    if (error instanceof StoreUnavailable) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const absent = code === 'ENOENT';
    if (!absent && code !== 'ECONNREFUSED')
      throw new StoreUnavailable(`the cache agent did not answer (${code ?? (error as Error).message})`, 'Run `dcm doctor`', 'cache');
    if (noAgent === 'empty' || (noAgent === 'read' && absent)) return true;
    if (noAgent === 'read') {
      throw new StoreUnavailable(
        `the cache agent at ${this.#options.socket} is gone (killed?), and the logins it held with it`,
        'Log in again: the next `dcm login` or `docker login` starts a new agent',
        'cache',
      );
    }
    return false;
  }

  /**
   * One request. With no agent running: `start` starts one (a store), `empty` answers as an empty
   * cache (list, erase), `read` too unless a socket is left that no one answers (a killed agent).
   */
  async #ask(request: CacheRequest, noAgent: 'start' | 'empty' | 'read'): Promise<Extract<CacheReply, { ok: true }>> {
    const deadline = Date.now() + this.#options.timeoutMs;
    let started = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await exchange(this.#options.socket, request, Math.max(100, deadline - Date.now()));
        if (!reply.ok) throw new StoreUnavailable(`the cache agent refused the request (${reply.error})`, 'Run `dcm doctor`', 'cache');
        return reply;
      } catch (error) {
        if (this.#noAgentAnswer(error, noAgent)) return { ok: true };
        if (!started) {
          this.#options.startAgent(this.#options.socket);
          started = true;
        }
        if (Date.now() > deadline)
          throw new StoreUnavailable('the cache agent did not start in time', 'Run `dcm doctor`; set DCM_KEYCHAIN_TIMEOUT_MS to wait longer', 'cache');
        await new Promise((resolve) => setTimeout(resolve, Math.min(100, 10 + attempt * 10)));
      }
    }
  }
}

/** Sends one request line and reads one reply line. */
function exchange(socket: string, request: CacheRequest, timeoutMs: number): Promise<CacheReply> {
  return new Promise((resolve, reject) => {
    const connection = connect(socket);
    let buffer = '';
    const timer = setTimeout(() => {
      connection.destroy();
      reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    connection.setEncoding('utf8');
    connection.on('connect', () => connection.write(`${JSON.stringify(request)}\n`));
    connection.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end === -1) return;
      clearTimeout(timer);
      connection.end();
      try {
        resolve(JSON.parse(buffer.slice(0, end)) as CacheReply);
      } catch {
        reject(Object.assign(new Error('a reply that is not JSON'), { code: 'EPROTO' }));
      }
    });
    connection.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** `DCM_CACHE_TTL`: `30m`, `8h`, `2d`, or seconds; the default otherwise. */
export function cacheTtlMs(env: Env): number {
  const raw = env.DCM_CACHE_TTL?.trim();
  if (!raw) return DEFAULT_CACHE_TTL_MS;
  const match = /^(\d{1,7})([smhd]?)$/.exec(raw);
  const unit = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const ms = match ? Number(match[1]) * unit[match[2] as keyof typeof unit] : Number.NaN;
  if (!(ms > 0) || ms > MAX_CACHE_TTL_MS) {
    throw new StoreUnavailable(
      `DCM_CACHE_TTL=${JSON.stringify(raw.slice(0, 20))} is not a time to live`,
      'Give seconds, or a number with s, m, h or d (at most 30d), such as 8h',
      'cache',
    );
  }
  return ms;
}
