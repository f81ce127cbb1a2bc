/**
 * A Secret Service client in TypeScript, for the read path (issue 26): one lookup of one item
 * as keyring-rs files dcm's items ({service, username} attributes, searched service-wide), in
 * two round trips on one socket: AUTH and BEGIN pipelined, then Hello, SearchItems and
 * OpenSession in one write, then GetSecrets. The session is Diffie-Hellman
 * (`dh-ietf1024-sha256-aes128-cbc-pkcs7`, as libsecret and keyring-rs default to) unless
 * `plain` is asked for. One deadline covers the whole lookup; there is no native thread to
 * abandon. Reads only: writes still go through the keyring addon.
 */
import type { Socket } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { AmbiguousEntry, StoreUnavailable } from '../../errors.ts';
import type { Env } from '../../platform/paths.ts';
import { MESSAGE, decodeMessage, encodeCall, type Arg, type Message, type Value } from './wire.ts';

/** RFC 2409's second Oakley group (1024-bit MODP), generator 2: what the Secret Service's DH uses. */
const P = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF',
);
const DH_ALGORITHM = 'dh-ietf1024-sha256-aes128-cbc-pkcs7';
const SERVICE = 'org.freedesktop.secrets';

export interface LookupOptions {
  env: Env;
  /** The keychain "service" dcm files its items under. */
  service: string;
  timeoutMs: number;
  algorithm?: 'dh' | 'plain';
}

/** base^exponent mod m, square and multiply. */
export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = base % m;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

const toBigInt = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex') || '0'}`);
const toBytes = (value: bigint, length: number) => Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');

/**
 * WebCrypto, not node:crypto: the same primitives in every runtime dcm may run on, and under Bun
 * node:crypto alone costs 10 to 12 ms to load (../shared/reference/hot-path.md).
 */
const subtle = () => globalThis.crypto.subtle;
const EMPTY = new Uint8Array(0);

/** The session key: HKDF-SHA256 (empty salt and info) of the shared secret left-padded to 128 bytes. */
export async function sessionKey(serverPublic: Buffer, privateKey: bigint): Promise<Buffer> {
  const y = toBigInt(serverPublic);
  if (y <= 1n || y >= P - 1n) throw new Error('the Secret Service sent a Diffie-Hellman key outside the group');
  const shared = await subtle().importKey('raw', toBytes(modPow(y, privateKey, P), 128), 'HKDF', false, ['deriveBits']);
  return Buffer.from(await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: EMPTY, info: EMPTY }, shared, 128));
}

/** A DH session's secret: AES-128-CBC with the reply's IV, PKCS#7 padding checked. */
export async function decryptSecret(key: Buffer, iv: Buffer, value: Buffer): Promise<Buffer> {
  const aes = await subtle().importKey('raw', key, 'AES-CBC', false, ['decrypt']);
  return Buffer.from(await subtle().decrypt({ name: 'AES-CBC', iv }, aes, value));
}

/** A private exponent of 256 random bits (as libsecret's). */
function privateExponent(): bigint {
  return toBigInt(Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))));
}

/** The bus address the session's clients use: the first unix path or abstract socket. Pure. */
export function busSocket(env: Env): string | undefined {
  for (const entry of (env.DBUS_SESSION_BUS_ADDRESS ?? '').split(';')) {
    const [transport, params = ''] = entry.split(/:(.*)/s) as [string, string?];
    if (transport !== 'unix') continue;
    const values = Object.fromEntries(params.split(',').map((pair) => pair.split(/=(.*)/s) as [string, string]));
    const decodePercent = (text: string) => text.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (values.path) return decodePercent(values.path);
    if (values.abstract) return `\0${decodePercent(values.abstract)}`;
  }
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'bus') : undefined;
}

const unavailable = (cause: string, fix: string) => new StoreUnavailable(cause, fix);

/** One connection: the calls written at once, their replies read back by serial. */
class Conversation {
  readonly #socket: { write(data: string | Buffer): unknown; destroy(): void };
  #buffer = Buffer.alloc(0);
  #authenticated = false;
  readonly #waiting = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  #failure: Error | undefined;
  #serial = 0;

  constructor(path: string, connect: Connect) {
    this.#socket = connect(path, {
      data: (chunk) => this.#receive(chunk),
      error: (error) =>
        this.fail(
          unavailable(
            `the session bus cannot be reached (${(error as NodeJS.ErrnoException).code ?? error.message})`,
            'start a D-Bus session, or check DBUS_SESSION_BUS_ADDRESS',
          ),
        ),
      close: () => this.fail(unavailable('the session bus closed the connection', 'check that the Secret Service (gnome-keyring, KeePassXC, KWallet) runs')),
    });
    const uid = Buffer.from(String(userInfo().uid)).toString('hex');
    // BEGIN is pipelined behind AUTH, as sd-bus does: no round trip for the handshake.
    this.#socket.write(`\0AUTH EXTERNAL ${uid}\r\nBEGIN\r\n`);
  }

  /** Writes calls in one go; each promise is its reply (or its D-Bus error). */
  send(calls: Array<Omit<Parameters<typeof encodeCall>[0], 'serial'>>): Array<Promise<Message>> {
    const messages: Buffer[] = [];
    const replies = calls.map((call) => {
      const serial = ++this.#serial;
      messages.push(encodeCall({ ...call, serial }));
      return new Promise<Message>((resolve, reject) => {
        if (this.#failure) return reject(this.#failure);
        this.#waiting.set(serial, { resolve, reject });
      });
    });
    this.#socket.write(Buffer.concat(messages));
    return replies;
  }

  fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#waiting.values()) waiter.reject(this.#failure);
    this.#waiting.clear();
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (!this.#authenticated) {
      const end = this.#buffer.indexOf('\r\n');
      if (end < 0) return;
      const line = this.#buffer.toString('ascii', 0, end);
      this.#buffer = this.#buffer.subarray(end + 2);
      if (!line.startsWith('OK ')) {
        this.fail(unavailable(`the session bus refused authentication (${line.slice(0, 60)})`, 'run dcm as the user whose session bus this is'));
        return;
      }
      this.#authenticated = true;
    }
    for (;;) {
      const decoded = decodeMessage(this.#buffer);
      if (!decoded) return;
      this.#buffer = this.#buffer.subarray(decoded.size);
      const { message } = decoded;
      const waiter = message.replySerial === undefined ? undefined : this.#waiting.get(message.replySerial);
      if (!waiter) continue;
      this.#waiting.delete(message.replySerial!);
      if (message.type === MESSAGE.error) waiter.reject(new DbusError(message.errorName ?? 'error', String(message.body[0] ?? '')));
      else waiter.resolve(message);
    }
  }
}

export class DbusError extends Error {
  override readonly name: string;
  constructor(name: string, message: string) {
    super(`${name}: ${message}`);
    this.name = name;
  }
}

type Handlers = { data(chunk: Buffer): void; error(error: Error): void; close(): void };
type Connect = (path: string, handlers: Handlers) => { write(data: string | Buffer): unknown; destroy(): void };

/**
 * The socket: Bun's own where dcm runs on Bun (node:net costs it 10 to 30 ms to load and
 * connect; Bun.connect connects in half a millisecond), node:net elsewhere. Writes made before
 * the connection is up are queued, so the whole conversation is still one write each way.
 */
async function transport(): Promise<Connect> {
  const bun = (globalThis as { Bun?: { connect(options: unknown): Promise<{ write(data: string | Uint8Array): number; end(): void }> } }).Bun;
  if (bun) {
    return (path, handlers) => {
      const queue: Array<string | Buffer> = [];
      let socket: { write(data: string | Uint8Array): number; end(): void } | undefined;
      let closed = false;
      bun
        .connect({
          unix: path,
          socket: {
            data: (_s: unknown, chunk: Uint8Array) => handlers.data(Buffer.from(chunk)),
            close: () => handlers.close(),
            error: (_s: unknown, e: Error) => handlers.error(e),
          },
        })
        .then(
          (s) => {
            socket = s;
            if (closed) return s.end();
            for (const data of queue.splice(0)) s.write(data);
          },
          (error: Error) => handlers.error(error),
        );
      return {
        write: (data) => (socket ? socket.write(data) : queue.push(data)),
        destroy: () => {
          closed = true;
          socket?.end();
        },
      };
    };
  }
  const { createConnection } = await import('node:net');
  return (path, handlers) => {
    const socket: Socket = createConnection({ path });
    socket.on('data', handlers.data);
    socket.on('error', handlers.error);
    socket.on('close', handlers.close);
    return socket;
  };
}

const serviceCall = (member: string, args: Arg[]) => ({
  destination: SERVICE,
  path: '/org/freedesktop/secrets',
  interface: 'org.freedesktop.Secret.Service',
  member,
  args,
});

/** The secret of dcm's item for `key`, or undefined when there is none. */
export async function lookupSecret(key: string, options: LookupOptions): Promise<string | undefined> {
  const path = busSocket(options.env);
  if (!path) throw unavailable('no session bus (DBUS_SESSION_BUS_ADDRESS is not set)', 'start a D-Bus session (dbus-run-session), or use another store');
  const conversation = new Conversation(path, await transport());
  const timer = setTimeout(
    () =>
      conversation.fail(
        unavailable(
          `the Secret Service did not answer within ${options.timeoutMs} ms`,
          'check that gnome-keyring (or another Secret Service) runs and is not waiting on a prompt',
        ),
      ),
    options.timeoutMs,
  );
  try {
    return await lookup(conversation, key, options);
  } catch (error) {
    if (error instanceof DbusError && /ServiceUnknown|NameHasNoOwner/.test(error.name))
      throw unavailable('no Secret Service on the session bus', 'start gnome-keyring-daemon --components=secrets, KeePassXC or KWallet');
    throw error;
  } finally {
    clearTimeout(timer);
    conversation.close();
  }
}

async function lookup(conversation: Conversation, key: string, options: LookupOptions): Promise<string | undefined> {
  const dh = (options.algorithm ?? 'dh') === 'dh';
  // The key pair is made while the bus works on the search: SearchItems goes out first.
  const [hello, search] = conversation.send([
    { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' },
    serviceCall('SearchItems', [{ type: 'a{ss}', value: { service: options.service, username: key } }]),
  ]);
  const privateKey = dh ? privateExponent() : 0n;
  const [opened] = conversation.send([
    serviceCall(
      'OpenSession',
      dh
        ? [
            { type: 's', value: DH_ALGORITHM },
            { type: 'v', signature: 'ay', value: toBytes(modPow(2n, privateKey, P), 128) },
          ]
        : [
            { type: 's', value: 'plain' },
            { type: 'v', signature: 's', value: '' },
          ],
    ),
  ]);
  await hello;
  const [unlocked, locked] = (await search!).body as [string[], string[]];
  const session = await opened!;
  if (unlocked.length === 0) {
    if (locked.length > 0)
      throw unavailable('the keychain is locked', 'unlock it (log in to the desktop, or: printf PASSWORD | gnome-keyring-daemon --replace --unlock)');
    return undefined;
  }
  if (unlocked.length > 1)
    throw new AmbiguousEntry(
      `${unlocked.length} items answer to ${key} under service ${options.service}`,
      'remove the extra ones (secret-tool search --all service dcm)',
    );
  const [output, sessionPath] = session.body as [{ value: Value }, string];
  const [reply] = conversation.send([
    serviceCall('GetSecrets', [
      { type: 'ao', value: [unlocked[0]!] },
      { type: 'o', value: sessionPath },
    ]),
  ]);
  const key16 = dh ? sessionKey(output.value as Buffer, privateKey) : undefined;
  // The key is derived while GetSecrets is in flight.
  const secrets = (await reply!).body[0] as Map<string, [string, Buffer, Buffer, string]>;
  const secret = secrets.get(unlocked[0]!);
  if (!secret) return undefined;
  const [, parameters, value] = secret;
  const bytes = key16 ? await decryptSecret(await key16, parameters, value) : value;
  return bytes.toString('utf8');
}
