import type { IndexLock, SecretBackend } from './types.ts';

/** A SecretBackend in a Map, for unit tests: nothing selects it at run time. */
export class MemoryBackend implements SecretBackend {
  readonly kind = 'memory';
  readonly description = 'in-memory (not persistent)';
  readonly items = new Map<string, string>();
  readonly maxValueBytes: number | undefined;

  constructor(options: { maxValueBytes?: number } = {}) {
    this.maxValueBytes = options.maxValueBytes;
  }

  async get(key: string): Promise<string | undefined> {
    return this.items.get(key);
  }

  async set(key: string, value: string): Promise<void> {
    if (this.maxValueBytes !== undefined && Buffer.byteLength(value) > this.maxValueBytes) {
      // What the Windows Credential Manager does past CRED_MAX_CREDENTIAL_BLOB_SIZE.
      throw new Error(`value of ${Buffer.byteLength(value)} bytes exceeds the ${this.maxValueBytes}-byte limit`);
    }
    this.items.set(key, value);
  }

  async delete(key: string): Promise<boolean> {
    return this.items.delete(key);
  }

  async list(): Promise<string[]> {
    return [...this.items.keys()];
  }
}

/** An in-process mutex: enough when every writer shares one process, as in unit tests. */
export class InProcessLock implements IndexLock {
  #tail: Promise<unknown> = Promise.resolve();

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
