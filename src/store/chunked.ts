/**
 * Splits values that are too large for one keychain item across several items.
 *
 * Windows Credential Manager holds at most 2,560 bytes per credential
 * (CRED_MAX_CREDENTIAL_BLOB_SIZE): ECR, ACR and Docker Hub access tokens are longer, and the
 * reference wincred helper fails on them with "The stub received bad data". Layout of a split value:
 *
 *   KEY                 "\u0000dcm-chunks:<generation>:<count>\n" + first part
 *   KEY#<generation>.1  second part, ... up to KEY#<generation>.<count-1>
 *
 * The parts of a new value get a new generation, and the head item is written last: a reader sees
 * either the old value or the new one, never a mix, even if a write is interrupted. Stale parts of
 * the previous generation are deleted afterwards. `#` never occurs in a canonical server address.
 */
import { SecretTooLarge } from '../errors.ts';
import type { SecretBackend } from './types.ts';

const MARKER = '\u0000dcm-chunks:';
/** More parts than this is not a credential: refuse rather than flood the keychain. */
const MAX_PARTS = 512;

export class ChunkedBackend implements SecretBackend {
  readonly kind: SecretBackend['kind'];
  readonly description: string;
  readonly maxValueBytes = undefined;
  readonly enumerates: boolean | undefined;
  readonly #inner: SecretBackend;
  readonly #limit: number;

  constructor(inner: SecretBackend, limitBytes: number) {
    this.#inner = inner;
    this.#limit = limitBytes;
    this.kind = inner.kind;
    this.description = inner.description;
    this.enumerates = inner.enumerates;
  }

  async get(key: string): Promise<string | undefined> {
    const head = await this.#inner.get(key);
    if (head === undefined) return undefined;
    const parsed = parseHead(head);
    if (!parsed) return head;
    const parts = [parsed.first];
    for (let i = 1; i < parsed.count; i++) {
      const part = await this.#inner.get(partKey(key, parsed.generation, i));
      // A missing part means a write was interrupted after the head: the value is gone.
      if (part === undefined) return undefined;
      parts.push(part);
    }
    return parts.join('');
  }

  async set(key: string, value: string): Promise<void> {
    if (value.startsWith(MARKER)) throw new SecretTooLarge('a value may not start with the chunk marker');
    const previous = parseHead((await this.#inner.get(key)) ?? '');
    if (Buffer.byteLength(value) <= this.#limit) {
      await this.#inner.set(key, value);
    } else {
      const generation = Math.random().toString(36).slice(2, 10);
      const headRoom = this.#limit - Buffer.byteLength(`${MARKER}${generation}:${MAX_PARTS}\n`);
      const [first, ...rest] = splitUtf8(value, [headRoom, this.#limit]);
      if (rest.length + 1 > MAX_PARTS) throw new SecretTooLarge(`secret too large: more than ${MAX_PARTS} keychain items of ${this.#limit} bytes`);
      for (const [i, part] of rest.entries()) await this.#inner.set(partKey(key, generation, i + 1), part);
      await this.#inner.set(key, `${MARKER}${generation}:${rest.length + 1}\n${first}`);
    }
    if (previous) await this.#deleteParts(key, previous);
  }

  async delete(key: string): Promise<boolean> {
    const previous = parseHead((await this.#inner.get(key)) ?? '');
    const deleted = await this.#inner.delete(key);
    if (previous) await this.#deleteParts(key, previous);
    return deleted;
  }

  async list(): Promise<string[]> {
    return (await this.#inner.list()).filter((key) => !key.includes('#'));
  }

  async #deleteParts(key: string, head: { generation: string; count: number }): Promise<void> {
    for (let i = 1; i < head.count; i++) await this.#inner.delete(partKey(key, head.generation, i));
  }
}

/** Wraps a backend that has a per-item limit; returns one without a limit unchanged. */
export function withChunking(backend: SecretBackend): SecretBackend {
  return backend.maxValueBytes === undefined ? backend : new ChunkedBackend(backend, backend.maxValueBytes);
}

function partKey(key: string, generation: string, index: number): string {
  return `${key}#${generation}.${index}`;
}

function parseHead(head: string): { generation: string; count: number; first: string } | undefined {
  if (!head.startsWith(MARKER)) return undefined;
  const match = /^([a-z0-9]+):(\d+)\n/.exec(head.slice(MARKER.length));
  if (!match) return undefined;
  return { generation: match[1]!, count: Number(match[2]), first: head.slice(MARKER.length + match[0].length) };
}

/**
 * Splits `text` into pieces of at most `sizes[0]` bytes for the first piece and `sizes[1]` for
 * the rest, never inside a UTF-8 sequence (or a surrogate pair).
 */
export function splitUtf8(text: string, [firstSize, restSize]: [number, number]): string[] {
  const pieces: string[] = [];
  let current = '';
  let currentBytes = 0;
  for (const char of text) {
    const bytes = Buffer.byteLength(char);
    const limit = pieces.length === 0 ? firstSize : restSize;
    if (currentBytes + bytes > limit) {
      pieces.push(current);
      current = '';
      currentBytes = 0;
    }
    current += char;
    currentBytes += bytes;
  }
  pieces.push(current);
  return pieces;
}
