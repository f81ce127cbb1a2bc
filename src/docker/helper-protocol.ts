/**
 * The docker-credential-helpers wire format, as pure functions. See
 * docs/helper-protocol.md for the contract these follow.
 */
import { InvalidInput, MissingServerUrl, MissingUsername } from '../errors.ts';

export const VERBS = ['store', 'get', 'erase', 'list', 'version'] as const;
export type Verb = (typeof VERBS)[number];

export function isVerb(value: string | undefined): value is Verb {
  return (VERBS as readonly string[]).includes(value ?? '');
}

/** The largest stdin any verb reads: far above real secrets (Hub access tokens are ~2.5 KB). */
export const MAX_INPUT_BYTES = 1024 * 1024;

export interface Credentials {
  serverURL: string;
  username: string;
  secret: string;
}

/**
 * Decodes `store` input. Like Go's encoding/json (which the reference helpers use), field names
 * match case-insensitively and JSON null counts as empty; unlike it, trailing garbage after the
 * object is refused rather than silently ignored, and multi-line JSON has no 64 KiB line limit.
 */
export function decodeStoreInput(text: string): Credentials {
  const fields = decodeCredentialFields(text, 'store expects');
  if (fields.serverurl.trim() === '') throw new MissingServerUrl();
  if (fields.username === '') throw new MissingUsername();
  return { serverURL: fields.serverurl, username: fields.username, secret: fields.secret };
}

/**
 * Decodes another helper's `get` reply (`dcm import`), with the same rules as `store` input:
 * the same object, written by a Go helper. ServerURL may be anything (it echoes the query).
 */
export function decodeGetReply(text: string): Credentials {
  const fields = decodeCredentialFields(text, 'a get reply is');
  if (fields.username === '') throw new InvalidInput('invalid reply: no Username');
  return { serverURL: fields.serverurl, username: fields.username, secret: fields.secret };
}

function decodeCredentialFields(text: string, expects: string): { serverurl: string; username: string; secret: string } {
  if (text.trim() === '') {
    throw new InvalidInput(`no input: ${expects} a JSON object {"ServerURL","Username","Secret"} on stdin`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // The parser's message quotes a few characters around the fault, which could be part of
    // the secret: keep only the position.
    const where = /position \d+/.exec(String((error as Error).message))?.[0];
    throw new InvalidInput(`invalid JSON on stdin${where ? ` at ${where}` : ''}: ${expects} {"ServerURL","Username","Secret"}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInput(`invalid input: ${expects} a JSON object {"ServerURL","Username","Secret"}`);
  }
  const fields = { serverurl: '', username: '', secret: '' };
  for (const [key, field] of Object.entries(value)) {
    const name = key.toLowerCase();
    // Own keys only: `constructor` or `__proto__` are unknown keys, ignored like any other.
    if (!Object.hasOwn(fields, name)) continue;
    if (field !== null && typeof field !== 'string') {
      throw new InvalidInput(`invalid input: ${canonicalFieldName(name)} must be a string, not ${jsonType(field)}`);
    }
    fields[name as keyof typeof fields] = field ?? '';
  }
  return fields;
}

/**
 * Decodes `get`/`erase` input: the bare server address. The reference framework reads stdin
 * line by line, joins the lines without their terminators, then trims; we do the same, so
 * `echo`'s trailing newline and Windows' CRLF are harmless.
 */
export function decodeServerAddress(text: string): string {
  const joined = text.replace(/\r?\n/g, '').trim();
  if (joined === '') throw new MissingServerUrl();
  return joined;
}

/** `get`'s reply: key order ServerURL, Username, Secret, as Go marshals the struct. */
export function encodeGetReply(credentials: Credentials): string {
  return `${goJson({ ServerURL: credentials.serverURL, Username: credentials.username, Secret: credentials.secret })}\n`;
}

/** `list`'s reply: `{key: username}` with sorted keys, `{}` when empty (never empty output). */
export function encodeListReply(entries: ReadonlyMap<string, string> | Record<string, string>): string {
  const pairs = entries instanceof Map ? [...entries] : Object.entries(entries);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${goJson(Object.fromEntries(pairs))}\n`;
}

/**
 * JSON as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. Docker
 * sends `<token>` as `"\u003ctoken\u003e"`; matching it byte for byte keeps our output identical
 * to the reference helpers' for every client that compares or logs it.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function canonicalFieldName(lower: string): string {
  return lower === 'serverurl' ? 'ServerURL' : lower === 'username' ? 'Username' : 'Secret';
}

function jsonType(value: unknown): string {
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
