#!/usr/bin/env node
/**
 * The one entry point, and the only module that touches `process`. Invoked as
 * `docker-credential-dcm VERB`, or as `dcm VERB` with a protocol verb, it is the credential
 * helper; anything else is the management CLI, loaded only then so that the hot path (`get`,
 * once per image pull) loads nothing but Node built-ins, the protocol code and the keyring addon.
 */
import { readSync } from 'node:fs';
import { basename } from 'node:path';
import { isSea } from 'node:sea';
import { isVerb } from './helper/protocol.ts';

const HELPER_NAME = 'docker-credential-dcm';

async function main(): Promise<void> {
  const name = invokedName();
  const args = process.argv.slice(2);
  const env = process.env;
  let code: number;
  if (name.startsWith('docker-credential-') || isVerb(args[0])) {
    const [{ runHelper }, { openCredentialStore }] = await Promise.all([import('./helper/run.ts'), import('./store/open.ts')]);
    code = await runHelper(args, {
      name: name.startsWith('docker-credential-') ? name : HELPER_NAME,
      io: { stdin: stdinChunks(), stdout: process.stdout },
      openStore: async () => openCredentialStore(env),
    });
  } else {
    const { runCli } = await import('./cli/program.ts');
    code = await runCli(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env, isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY) });
  }
  // Exit explicitly once stdout is flushed: a keychain call abandoned at its deadline still
  // holds a thread-pool slot and would otherwise keep the process alive.
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
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
  process.exit(70);
});
