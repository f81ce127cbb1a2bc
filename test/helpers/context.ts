/**
 * A command's world, in process (src/cli/context.ts): captured streams, an in-memory store, a
 * fixed clock, and a registry client that is a stand-in only where a test says so (any call it
 * did not expect fails the test). Docker's configuration is a throwaway directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createContext, type CommandContext, type RegistryClient } from '../../src/cli/context.ts';
import { CredentialStore } from '../../src/store/credential-store.ts';
import { InProcessLock, MemoryBackend } from '../../src/store/memory.ts';

export interface TestContextOptions {
  /** config.json's contents; `{"credsStore":"dcm"}` by default. */
  config?: unknown;
  registry?: Partial<RegistryClient>;
  now?: Date;
  env?: Record<string, string | undefined>;
}

export function testContext(options: TestContextOptions = {}) {
  const dockerConfig = mkdtempSync(join(tmpdir(), 'dcm-ctx-'));
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify(options.config ?? { credsStore: 'dcm' }));
  const backend = new MemoryBackend();
  const store = new CredentialStore(backend, new InProcessLock());
  let out = '';
  let err = '';
  const unexpected = (name: string) => async () => {
    throw new Error(`unexpected registry call: ${name}`);
  };
  const ctx: CommandContext = createContext(
    {
      stdin: new PassThrough(),
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      // XDG_CONFIG_HOME and XDG_STATE_HOME: dcm's settings and names file stay in the throwaway directory.
      env: { DOCKER_CONFIG: dockerConfig, XDG_CONFIG_HOME: join(dockerConfig, 'xdg-config'), XDG_STATE_HOME: join(dockerConfig, 'xdg-state'), ...options.env },
      isTTY: false,
    },
    {
      openStore: async () => store,
      registry: {
        checkLogin: unexpected('checkLogin'),
        checkRateLimit: unexpected('checkRateLimit'),
        checkMirror: unexpected('checkMirror'),
        upstreamDigest: unexpected('upstreamDigest'),
        ...options.registry,
      },
      runProcess: unexpected('runProcess'),
      now: () => options.now ?? new Date('2026-12-04T12:00:00Z'),
    },
  );
  return { ctx, store, backend, dockerConfig, out: () => out, err: () => err };
}
