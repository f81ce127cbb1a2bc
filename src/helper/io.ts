import { InputTooLarge } from '../errors.ts';

/** The streams a verb runs on: the real ones in main.ts, strings in tests. */
export interface HelperIo {
  stdin: AsyncIterable<Uint8Array | string>;
  stdout: { write(text: string): unknown };
}

/**
 * Reads stdin up to `limitBytes`, then stops: a 10 MB paste is refused after 1 MiB has been
 * read, not after all of it sits in memory.
 */
export async function readBounded(stdin: AsyncIterable<Uint8Array | string>, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stdin) {
    // A copy: the reader may reuse its buffer for the next chunk (main.ts does).
    const buffer = Buffer.from(chunk);
    total += buffer.byteLength;
    if (total > limitBytes) throw new InputTooLarge(limitBytes); // leaving the loop closes the stream
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
