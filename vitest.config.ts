import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Integration files share one Secret Service and run one at a time, so that "list before and
// after" comparisons see only their own changes.
const serial = { fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The helper from the sources (Node 24 strips the types).
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...serial } },
      // The same end-to-end tests against what users install: the single binary from `npm run build`.
      {
        test: {
          name: 'binary',
          include: ['test/integration/**/*.test.ts', 'test/binary/**/*.test.ts'],
          // The load recorder needs the sources; the binary's own loading is tested in test/binary.
          exclude: ['test/integration/hot-path.test.ts'],
          env: { DCM_TEST_BINARY: resolve(import.meta.dirname, 'dist/dcm') },
          ...serial,
        },
      },
    ],
  },
});
