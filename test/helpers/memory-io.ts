import { Readable } from 'node:stream';
import { runHelper } from '../../src/helper/run.ts';
import { CredentialStore } from '../../src/store/credential-store.ts';
import { InProcessLock, MemoryBackend } from '../../src/store/memory.ts';
import type { SecretBackend } from '../../src/store/types.ts';

/** A helper run on in-memory streams and an in-memory keychain. */
export function memoryHelper<B extends SecretBackend = MemoryBackend>(backend: B = new MemoryBackend() as unknown as B) {
  const store = new CredentialStore(backend, new InProcessLock());
  return {
    backend,
    store,
    async run(args: string[], stdin: string | Buffer = ''): Promise<{ stdout: string; code: number }> {
      let stdout = '';
      const code = await runHelper(args, {
        name: 'docker-credential-dcm',
        io: { stdin: Readable.from([Buffer.from(stdin)]), stdout: { write: (text: string) => (stdout += text) } },
        openStore: async () => store,
      });
      return { stdout, code };
    },
  };
}
