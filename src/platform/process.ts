/**
 * Runs a program to completion with a deadline that really ends the wait: at the program's exit
 * (a grandchild holding its output is not waited for beyond a short drain), or at the deadline,
 * when it is killed and its output closed.
 */
import { spawn } from 'node:child_process';
import type { Env } from './paths.ts';

export interface ProcessResult {
  code: number;
  /** At most 1 MiB of it; {@link ProcessResult.stdoutBytes} says how much there was. */
  stdout: Buffer;
  stdoutBytes: number;
  stderr: string;
}

/** Why a program did not finish: it could not be started, or it did not finish in time. */
export class ProcessFailure extends Error {
  readonly kind: 'not-found' | 'not-started' | 'timeout';
  constructor(kind: ProcessFailure['kind'], message: string) {
    super(message);
    this.kind = kind;
  }
}

const DRAIN_AFTER_EXIT_MS = 500;
const MAX_OUTPUT = 1024 * 1024;

export function runProcess(
  program: string,
  args: readonly string[],
  options: { input?: string | Buffer; env: Env; timeoutMs: number },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: options.env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      outcome();
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdoutBytes + chunk.byteLength <= MAX_OUTPUT) stdout.push(chunk);
      stdoutBytes += chunk.byteLength;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    timers.push(
      setTimeout(() => {
        child.kill('SIGKILL');
        finish(() => reject(new ProcessFailure('timeout', `${program} did not finish within ${Math.round(options.timeoutMs / 100) / 10} s`)));
      }, options.timeoutMs),
    );
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish(() =>
        reject(
          new ProcessFailure(
            error.code === 'ENOENT' ? 'not-found' : 'not-started',
            error.code === 'ENOENT' ? `${program} is not on PATH` : `${program} could not be started (${error.code ?? error.message})`,
          ),
        ),
      );
    });
    // The outputs may close before or after the exit: both are tracked from the start (waiting
    // for a 'close' that already happened would cost the whole drain on every call).
    let exitCode: number | undefined;
    let open = 2;
    const done = () => finish(() => resolve({ code: exitCode ?? 1, stdout: Buffer.concat(stdout), stdoutBytes, stderr }));
    const closed = () => {
      open--;
      if (open === 0 && exitCode !== undefined) done();
    };
    child.stdout.once('close', closed);
    child.stderr.once('close', closed);
    child.on('exit', (code) => {
      exitCode = code ?? 1;
      if (open === 0) return done();
      timers.push(setTimeout(done, DRAIN_AFTER_EXIT_MS));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Splits a command line into words as a shell would for quotes alone (no variables, no globs, no
 * pipes): how `credential_process` and `--command` are run without a shell. Pure. */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let started = false;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = undefined;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started || word) words.push(word);
      word = '';
      started = false;
    } else word += char;
  }
  if (started || word) words.push(word);
  return words;
}
