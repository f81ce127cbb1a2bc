/**
 * What a command may touch, built once by runCli: the entry point's streams and environment,
 * and the four ways out to the world (the store, the registries, other programs, the clock).
 * Commands take a CommandContext and reach for nothing else, so a test can hand one a memory
 * store, a loopback stand-in and a fixed clock (test/helpers/context.ts).
 *
 * Every default is imported when first used: the command tree stays cheap to load.
 */
import type { Env } from '../platform/paths.ts';
import type { ProcessResult } from '../platform/process.ts';
import type { LoginCheck, LoginCheckResult } from '../registry/login.ts';
import type { MirrorCheck, MirrorCheckResult } from '../registry/mirror-check.ts';
import type { RateLimitQuery, RateLimitReport } from '../registry/ratelimit-check.ts';
import type { CredentialStore } from '../store/credential-store.ts';
import type { StoreHooks } from '../store/select.ts';

/** What the entry point gives the CLI: the process's streams and environment, and whether a person is at a terminal. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Env;
  isTTY: boolean;
  /** Passed to every store the command opens (the entry point learns of abandoned keychain calls). */
  storeHooks?: StoreHooks;
  /**
   * stderr as it is, for the interactive prompt alone (it draws with escape sequences). Every
   * other write goes through `stderr`, which runCli makes safe (terminal.ts).
   */
  terminal?: { write(text: string): unknown };
  /** Writes one workflow command (github.ts) to stdout as it is: the only way a `::` line is printed. */
  workflowCommand?: (line: string) => void;
  /** The runtime this is, for `dcm version --json`: given by the entry point, which owns `process`. */
  runtime?: { node: string; platform: string; arch: string };
}

/** Every registry conversation a command holds, each one session (registry/session.ts). */
export interface RegistryClient {
  checkLogin(check: LoginCheck): Promise<LoginCheckResult>;
  checkRateLimit(query: RateLimitQuery): Promise<RateLimitReport>;
  checkMirror(check: MirrorCheck): Promise<MirrorCheckResult>;
  upstreamDigest(
    ...args: Parameters<typeof import('../registry/mirror-check.ts').upstreamDigest>
  ): ReturnType<typeof import('../registry/mirror-check.ts').upstreamDigest>;
}

export type ProcessRunner = (
  program: string,
  args: readonly string[],
  options: { input?: string | Buffer; env: Env; timeoutMs: number },
) => Promise<ProcessResult>;

export interface CommandContext extends CliIo {
  terminal: { write(text: string): unknown };
  workflowCommand: (line: string) => void;
  /** The credential store the user chose (store/select.ts), opened with the entry point's hooks. */
  openStore(): Promise<CredentialStore>;
  registry: RegistryClient;
  /** Runs another program to completion with a deadline (platform/process.ts). */
  runProcess: ProcessRunner;
  now(): Date;
}

/** The world as it is: the defaults runCli gives every command. */
export function createContext(io: CliIo, overrides: Partial<Omit<CommandContext, keyof CliIo>> = {}): CommandContext {
  return {
    ...io,
    terminal: io.terminal ?? io.stderr,
    workflowCommand: io.workflowCommand ?? ((line) => io.stdout.write(line)),
    openStore: async () => (await import('../store/select.ts')).openCredentialStore(io.env, io.storeHooks),
    registry: {
      checkLogin: async (check) => (await import('../registry/login.ts')).checkLogin(check),
      checkRateLimit: async (query) => (await import('../registry/ratelimit-check.ts')).checkRateLimit(query),
      checkMirror: async (check) => (await import('../registry/mirror-check.ts')).checkMirror(check),
      upstreamDigest: async (...args) => (await import('../registry/mirror-check.ts')).upstreamDigest(...args),
    },
    runProcess: async (program, args, options) => (await import('../platform/process.ts')).runProcess(program, args, options),
    now: () => new Date(),
    ...overrides,
  };
}
