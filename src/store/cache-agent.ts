/**
 * The cache agent itself (store/cache.ts): a process that holds logins in memory for their time
 * to live and exits when it holds nothing. Started by the first store, detached, with the socket
 * path as its only argument. It never writes a value anywhere.
 */
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { platform } from 'node:os';
import { dirname } from 'node:path';
import { MAX_CACHE_TTL_MS, type CacheReply, type CacheRequest } from './cache.ts';

/** The longest delay a Node timer holds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a `set` request is refused: the socket is this user's, but a request is still only data. */
function badSet(request: Extract<CacheRequest, { op: 'set' }>): string | undefined {
  if (typeof request.key !== 'string' || typeof request.value !== 'string') return 'a set request needs a key and a value, both strings';
  const ttl = request.ttlMs;
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_CACHE_TTL_MS)
    return `ttlMs must be a whole number of milliseconds from 1 to ${MAX_CACHE_TTL_MS}`;
  return undefined;
}

/** An agent started but never given anything exits after this. */
const IDLE_EXIT_MS = 10_000;
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

/** Serves `socket` until the agent holds nothing; resolves when it has closed. */
export async function runCacheAgent(socket: string): Promise<void> {
  const entries = new Map<string, { value: string; expires: number }>();
  let expiry: NodeJS.Timeout | undefined;
  let server: Server | undefined;
  let closing = false;

  const close = () => {
    if (closing) return;
    closing = true;
    clearTimeout(expiry);
    entries.clear();
    server?.close();
    try {
      unlinkSync(socket);
    } catch {
      // Already gone.
    }
  };
  /** Drops what has expired; exits when nothing is left; wakes at the next expiry. */
  const prune = () => {
    const now = Date.now();
    for (const [key, entry] of entries) if (entry.expires <= now) entries.delete(key);
    clearTimeout(expiry);
    if (entries.size === 0) return close();
    const next = Math.min(...[...entries.values()].map((e) => e.expires));
    // A timer holds at most 2^31-1 ms (24.8 days); a longer one fires at once, and again, and
    // again. The agent wakes by then at the latest and looks again.
    expiry = setTimeout(prune, Math.min(MAX_TIMER_MS, Math.max(10, next - now)));
  };
  const answer = (request: CacheRequest): CacheReply => {
    const now = Date.now();
    switch (request.op) {
      case 'get': {
        const entry = entries.get(request.key);
        return { ok: true, ...(entry && entry.expires > now ? { value: entry.value } : {}) };
      }
      case 'set': {
        const problem = badSet(request);
        if (problem) return { ok: false, error: problem };
        entries.set(request.key, { value: request.value, expires: now + request.ttlMs });
        return { ok: true };
      }
      case 'delete': {
        const deleted = entries.delete(request.key);
        // Holding nothing, the agent goes now (after this reply), not at the next expiry.
        if (entries.size === 0) setImmediate(prune);
        return { ok: true, deleted };
      }
      case 'list':
        return { ok: true, keys: [...entries].filter(([, e]) => e.expires > now).map(([key]) => key) };
      default:
        return { ok: false, error: 'unknown request' };
    }
  };

  server = createServer((connection) => {
    let buffer = '';
    connection.setEncoding('utf8');
    connection.on('error', () => undefined);
    connection.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) return connection.destroy();
      const end = buffer.indexOf('\n');
      if (end === -1) return;
      let reply: CacheReply;
      try {
        reply = answer(JSON.parse(buffer.slice(0, end)) as CacheRequest);
      } catch {
        reply = { ok: false, error: 'a request that is not JSON' };
      }
      connection.end(`${JSON.stringify(reply)}\n`);
      prune();
    });
  });

  // One agent starts at a time, so two never both replace a socket a killed agent left.
  // In the agent's own private directory (cache.ts checked it), where no other user can take it.
  const { SocketLock, lockPath, probeSocket } = await import('./socket-lock.ts');
  const taken = await new SocketLock(lockPath(dirname(socket), 'cache-start', socket, platform())).withLock(() => listen(probeSocket, server!, socket));
  if (!taken) return;
  // Only this user may connect (the directory is 0700 too).
  chmodSync(socket, 0o600);
  expiry = setTimeout(prune, IDLE_EXIT_MS);
  await new Promise<void>((resolve) => server!.on('close', () => resolve()));
}

/** Takes the socket, replacing one left by a killed agent; false when a live agent has it. */
async function listen(probeSocket: (path: string) => Promise<string>, server: Server, socket: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const taken = await new Promise<boolean>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
      server.listen(socket, () => resolve(true));
    });
    if (taken) return true;
    if ((await probeSocket(socket)) === 'answers') return false;
    try {
      unlinkSync(socket);
    } catch {
      // Someone else cleared it.
    }
  }
  return false;
}
