#!/usr/bin/env node
/**
 * The one entry point, and the only module that touches `process`. Invoked as
 * `docker-credential-dcm VERB`, or as `dcm VERB` with a protocol verb, it is the credential
 * helper; anything else is the management CLI, loaded only then so that the hot path (`get`,
 * once per image pull) loads nothing but Node built-ins, the protocol code and the keyring addon.
 */
import { readSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { isSea } from 'node:sea';
import { isVerb } from './docker/helper-protocol.ts';

const HELPER_NAME = 'docker-credential-dcm';
/** The name the kubelet runs dcm by (a link in its --image-credential-provider-bin-dir). */
const KUBELET_NAME = 'dcm-kubelet-provider';
/** An internal error (a bug): sysexits' EX_SOFTWARE, listed with the other codes in errors.ts. */
const INTERNAL_ERROR = 70;

/** Set when a keychain call was given up at its deadline while the addon's thread still runs. */
let abandonedNativeCall = false;
/** The hidden verb the cache store starts its agent with (store/cache.ts). */
const CACHE_AGENT_VERB = '__dcm-cache-agent';

const storeHooks = {
  onAbandoned: () => {
    abandonedNativeCall = true;
  },
  onWarning: (line: string) => {
    process.stderr.write(`dcm: warning: ${line}\n`);
  },
  // This very program, detached, as the cache agent: the single binary runs itself, the sources
  // run under the same Node. Nothing secret is on its command line (only the socket path).
  startCacheAgent: (socket: string) => {
    const args = isSea() ? [CACHE_AGENT_VERB, socket] : [...process.execArgv, process.argv[1]!, CACHE_AGENT_VERB, socket];
    // Loaded only here: child_process stays off the hot path.
    const { spawn } = process.getBuiltinModule('node:child_process');
    spawn(process.execPath, args, { detached: true, stdio: 'ignore', env: process.env }).unref();
  },
};

async function main(): Promise<void> {
  const name = invokedName();
  const args = process.argv.slice(2);
  const env = process.env;
  let code: number;
  if (args[0] === CACHE_AGENT_VERB && args[1]) {
    const { runCacheAgent } = await import('./store/cache-agent.ts');
    await runCacheAgent(args[1]);
    return exit(0);
  }
  if (name === KUBELET_NAME || (args[0] === 'kubelet-provider' && args.length === 1)) return exit(await kubeletProvider(env));
  // `dcm get` is the helper; `dcm version --json` is the CLI's (the helper takes no options).
  if (name.startsWith('docker-credential-') || (isVerb(args[0]) && args.length === 1)) {
    const [{ runHelper }, { openCredentialStore }] = await Promise.all([import('./helper/run.ts'), import('./store/select.ts')]);
    const stdout = new BlockingOutput(1);
    code = await runHelper(args, {
      name: name.startsWith('docker-credential-') ? name : HELPER_NAME,
      io: { stdin: stdinChunks(), stdout },
      openStore: async () => openCredentialStore(env, storeHooks),
      env,
      warn: (line) => process.stderr.write(`dcm: warning: ${line}\n`),
    });
    // Docker reads the reply from stdout: a reply that could not be written is a failure.
    if (stdout.failed) {
      process.stderr.write(`${HELPER_NAME}: cannot write the reply to stdout (${stdout.failed})\n`);
      code = 1;
    }
    exit(code);
  } else {
    const { runCli } = await import('./cli/program.ts');
    code = await runCli(args, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      env,
      isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      storeHooks,
      runtime: { node: process.versions.node, platform: process.platform, arch: process.arch },
    });
    process.exitCode = code;
    process.stdout.write('', () => exit(code));
  }
}

/** One kubelet request: the response on stdout, or one line on stderr and exit 1. */
async function kubeletProvider(env: NodeJS.ProcessEnv): Promise<number> {
  const [{ readBounded }, { answerKubelet }, { MAX_REQUEST_BYTES }, { openCredentialStore }, { oneLine }] = await Promise.all([
    import('./helper/io.ts'),
    import('./kubelet/serve.ts'),
    import('./kubelet/protocol.ts'),
    import('./store/select.ts'),
    import('./errors.ts'),
  ]);
  try {
    const request = await readBounded(stdinChunks(), MAX_REQUEST_BYTES);
    const response = await answerKubelet(request, env, Date.now(), () => openCredentialStore(env, storeHooks));
    new BlockingOutput(1).write(response);
    return 0;
  } catch (error) {
    process.stderr.write(`${KUBELET_NAME}: ${oneLine(error)}\n`);
    return 1;
  }
}

/**
 * Ends the process. Normally `process.exit`. But a keychain call abandoned at its deadline may
 * be stuck inside the addon on a libuv worker thread, and `process.exit` joins those threads
 * before exiting: it would never return, and `docker pull`, which reads the helper's stdout to
 * its end, would hang with it. Then the process image is replaced instead (execve ends every
 * thread at once) by a shell that exits with the same code; where that is not possible, the
 * process kills itself.
 */
function exit(code: number): void {
  if (abandonedNativeCall) {
    if (typeof process.execve === 'function' && process.platform !== 'win32') {
      try {
        process.execve('/bin/sh', ['/bin/sh', '-c', `exit ${code}`], {});
      } catch {
        // Fall through to the kill.
      }
    }
    process.kill(process.pid, 'SIGKILL');
  }
  process.exit(code);
}

/**
 * The helper's stdout, written with blocking writes: the reply is complete before the process
 * exits, and a failed write (a full disk, a closed pipe) is seen instead of lost.
 */
class BlockingOutput {
  failed: string | undefined;
  readonly #fd: number;
  constructor(fd: number) {
    this.#fd = fd;
  }
  write(text: string): void {
    if (this.failed) return;
    const bytes = Buffer.from(text);
    for (let offset = 0; offset < bytes.byteLength; ) {
      try {
        offset += writeSync(this.#fd, bytes, offset, bytes.byteLength - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A non-blocking pipe that is full: wait a moment and go on.
        if (code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          continue;
        }
        this.failed = code ?? 'write error';
        return;
      }
    }
  }
}

/**
 * stdin for the helper, read only if the verb reads it (`list` and `version` do not). Blocking
 * reads of fd 0 skip building process.stdin (a net.Socket or tty.ReadStream), which costs a few
 * milliseconds on every image pull; a non-blocking stdin falls back to the stream.
 */
async function* stdinChunks(): AsyncGenerator<Uint8Array> {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let read: number;
    try {
      read = readSync(0, buffer, 0, buffer.byteLength, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EOF') return;
      if (code !== 'EAGAIN') throw error;
      yield* process.stdin;
      return;
    }
    if (read === 0) return;
    yield buffer.subarray(0, read);
  }
}

/** The program name as the user (or Docker) typed it, without extension. */
function invokedName(): string {
  // In the single binary argv[1] repeats the executable's resolved path; argv0 keeps the name
  // it was started by, which is how the docker-credential-dcm link is recognised.
  const path = isSea() ? process.argv0 : (process.argv[1] ?? process.argv0);
  return basename(path).replace(/\.(exe|cjs|mjs|js|ts)$/i, '');
}

main().catch((error: unknown) => {
  process.stderr.write(`dcm: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  exit(INTERNAL_ERROR);
});
