/**
 * One throwaway machine for a test: a Docker configuration directory (DOCKER_CONFIG) with the
 * config.json the test wants, dcm's bin directory on PATH (so Docker, skopeo and podman can run
 * docker-credential-dcm). Everything else is the test session's
 * (scripts/test.sh: a private keychain and a throwaway HOME).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dcmBinDir, tempDir } from './env.ts';
import { run, type RunOptions, type RunResult } from './spawn.ts';

export interface MachineOptions {
  /** config.json: an object is written as JSON (tab-indented, as Docker writes it), a string as it is; none when omitted. */
  config?: unknown;
  /** config.json's mode (default 0600). */
  mode?: number;
  /** dcm's bin directory first on PATH (default true). */
  onPath?: boolean;
  /** Extra environment for every process of this machine. */
  env?: NodeJS.ProcessEnv;
  /** The hang guard for each process (default 30 s). */
  timeoutMs?: number;
}

export interface TestMachine {
  /** DOCKER_CONFIG, and config.json in it. */
  dir: string;
  path: string;
  env: NodeJS.ProcessEnv;
  bin: ReturnType<typeof dcmBinDir>;
  /** `dcm ARGS` on this machine. */
  dcm(args: string[], options?: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** `docker-credential-dcm VERB` on this machine, stdin fed. */
  helper(verb: string, stdin?: string | Buffer, env?: NodeJS.ProcessEnv): Promise<RunResult>;
  /** Any program (docker, skopeo) on this machine. */
  run(program: string, args: string[], options?: RunOptions): Promise<RunResult>;
}

let sharedBin: ReturnType<typeof dcmBinDir> | undefined;

export function testMachine(options: MachineOptions = {}): TestMachine {
  sharedBin ??= dcmBinDir();
  const bin = sharedBin;
  const dir = tempDir('docker-config');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'config.json');
  if (options.config !== undefined) {
    writeFileSync(path, typeof options.config === 'string' ? options.config : JSON.stringify(options.config, null, '\t'));
    chmodSync(path, options.mode ?? 0o600);
  }
  // The test's environment first; then this machine's Docker directory, and dcm first on its PATH.
  const given: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  const env: NodeJS.ProcessEnv = { ...given, DOCKER_CONFIG: dir, PATH: options.onPath === false ? given.PATH : `${bin.dir}:${given.PATH}` };
  delete env.DOCKER_AUTH_CONFIG;
  const guard = { timeoutMs: options.timeoutMs ?? 30_000 };
  return {
    dir,
    path,
    env,
    bin,
    dcm: (args, more = {}) => run(bin.dcm, args, { stdin: more.stdin, env: { ...env, ...more.env }, ...guard }),
    helper: (verb, stdin = '', more = {}) => run(bin.helper, [verb], { stdin, env: { ...env, ...more }, ...guard }),
    run: (program, args, more = {}) => run(program, args, { ...guard, ...more, env: { ...env, ...more.env } }),
  };
}
