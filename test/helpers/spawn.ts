import { basename } from 'node:path';
import { spawn } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What ran, for failure messages: the program's name and its arguments. */
  command: string;
  /** The hang guard fired: the process was killed, not ended on its own. */
  timedOut: boolean;
}

export interface RunOptions {
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A hang guard, not a speed check: the process is killed and the test fails. */
  timeoutMs?: number;
}

/** Runs a program to completion, feeding stdin and collecting both outputs. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // The child may stop reading early (oversized input): that is its right, not our error.
    child.stdin.on('error', () => undefined);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const name = basename(command);
      resolvePromise({
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
        code,
        signal,
        command: [name, ...args].join(' ').slice(0, 200),
        timedOut,
      });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
