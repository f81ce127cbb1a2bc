import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Integration and binary files each get a machine of their own (test/setup/private-session.ts):
// a D-Bus session with its own gnome-keyring, HOME and runtime directory, so files run two at a
// time. Waits in these tests are for real processes on a loaded 2-core machine: generous.
const machine = { testTimeout: 60_000, hookTimeout: 60_000, setupFiles: ['test/setup/matchers.ts', 'test/setup/private-session.ts'] };

export default defineConfig({
  test: {
    // Both cores: vitest's default on 2 is one worker, which runs everything one file at a time.
    maxWorkers: 2,
    tags: [
      {
        name: 'stress',
        description: 'races, kills and load: rounds sized from the failure rates they catch; run by npm test, not by test:fast',
        timeout: 180_000,
      },
    ],
    projects: [
      // Pure tables and in-memory streams: one process for all files is safe and 3x faster.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false, setupFiles: ['test/setup/matchers.ts'] } },
      // The helper and the CLI from the sources (Node 24 strips the types), with Node's compile
      // cache, so that each of the thousand processes the files start does not compile again.
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          env: { NODE_COMPILE_CACHE: resolve(import.meta.dirname, 'node_modules/.cache/dcm-compile-cache') },
          ...machine,
        },
      },
      // What only the installed single binary proves, and one pass of every verb and command through it.
      {
        test: {
          name: 'binary',
          include: ['test/binary/**/*.test.ts'],
          env: { DCM_TEST_BINARY: resolve(import.meta.dirname, 'dist/dcm') },
          ...machine,
        },
      },
      // The five release binaries, cross-built here: their structure, and the two that can run
      // here run (linux-arm64 under qemu, win32-x64 under Wine 10). scripts/test.sh builds them.
      { test: { name: 'cross', include: ['test/cross/**/*.test.ts'], ...machine } },
    ],
  },
});
