/**
 * HTTP for registries (undici): TLS always verified (tls-trust.ts), proxies from the
 * environment, a deadline on every request, bounded bodies, and redirects followed by hand so
 * that no credential crosses to another origin: not an Authorization header, and not a request
 * body (the OAuth2 refresh-token form carries the identity token itself).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { RegistryError, UnsafeRequest, UsageError } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import { addressKind, hostname, isLoopback, mayReach, type AddressKind } from './endpoint.ts';
import { classifyNetError } from './net-errors.ts';
import { tlsOptions } from './tls-trust.ts';

// Where the pieces are: TLS trust (certs.d, --cert-dir, the system's roots) in tls-trust.ts, the
// printing of what registries say in redaction.ts.

/** Token and error bodies are small; ggcr and containers/image cap them at 64 KiB too. */
const MAX_BODY_BYTES = 64 * 1024;
const MAX_REDIRECTS = 5;

export interface HttpOptions {
  /** `host[:port]` of the registry: selects certs.d/<host>. */
  host: string;
  certDir?: string;
  /** Skip certificate verification (and, in the caller, allow plain HTTP). */
  insecure?: boolean;
  timeoutMs: number;
  env: Env;
  /** Where Docker's certs.d lives; tests point it elsewhere. */
  certsD?: string;
  /** Secrets this conversation may send (a password, a token): never shown in registry text. */
  secrets?: readonly string[];
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: URL;
  /** Everything secret this conversation has sent so far, for {@link sanitizeRegistryText}. */
  secrets: ReadonlySet<string>;
}

export interface SendOptions {
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/** One HTTP client per registry conversation. */
export class RegistryHttp {
  readonly #options: HttpOptions;
  readonly #dispatcher: Dispatcher;
  readonly #proxy: { http?: string; https?: string; noProxy?: string };
  readonly #secrets = new Set<string>();
  /** The kind of network the registry is on: from its IP literal, or from what its name resolved to. */
  #registryKind: AddressKind;

  constructor(options: HttpOptions) {
    this.#options = options;
    this.#registryKind = addressKind(options.host);
    for (const secret of options.secrets ?? []) this.#remember(secret);
    const env = options.env;
    this.#proxy = {
      http: proxyFromEnv(env, 'HTTP_PROXY'),
      https: proxyFromEnv(env, 'HTTPS_PROXY'),
      noProxy: env.NO_PROXY || env.no_proxy || undefined,
    };
    const timeouts = { connectTimeout: options.timeoutMs, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
    // Every direct connection resolves its name through the guard, proxy or not: with a proxy
    // set, `connect` is the agent for the hosts NO_PROXY sends around it. Through the proxy, the
    // proxy resolves names (only IP literals can be checked here), and the proxy's own address
    // is the user's choice, never a realm's, so its connection (`proxyTls`) is not guarded.
    const tls = tlsOptions(options);
    const direct = { ...tls, lookup: this.#guardedLookup };
    this.#dispatcher =
      this.#proxy.http || this.#proxy.https
        ? new EnvHttpProxyAgent({
            ...timeouts,
            connect: direct,
            requestTls: tls,
            httpProxy: this.#proxy.http ?? '',
            httpsProxy: this.#proxy.https ?? '',
            noProxy: this.#proxy.noProxy ?? '',
          })
        : new Agent({ ...timeouts, connect: direct });
  }

  /**
   * Sends a request and follows redirects the way browsers and Go do, but stricter where a
   * credential could leak:
   * - Authorization goes only to the origin it was meant for: dropped when a redirect changes
   *   scheme, host or port;
   * - 303, and 301/302 after a POST, become a GET without a body;
   * - a body that would be re-sent (307/308) to another origin is refused outright: it may be
   *   the refresh-token form (Go re-sends it; dcm does not);
   * - a redirect to plain HTTP on another host outside this machine is refused.
   */
  async send(url: URL, options: SendOptions = {}, signal?: AbortSignal): Promise<HttpResponse> {
    let current = url;
    let method = options.method ?? 'GET';
    let body = options.body;
    let headers: Record<string, string> = { 'user-agent': 'dcm', ...options.headers };
    for (let hop = 0; ; hop++) {
      this.#refuseAddress(current.host, addressKind(current.host));
      this.#rememberSent(headers, body);
      let response: Dispatcher.ResponseData;
      const deadline = signal ?? AbortSignal.timeout(this.#options.timeoutMs);
      try {
        response = await request(current, { method, headers, body, dispatcher: this.#dispatcher, signal: deadline });
      } catch (error) {
        throw classifyNetError(error, { host: current.host, proxy: this.proxyFor(current), timeoutMs: this.#options.timeoutMs });
      }
      const location = response.headers.location;
      const status = response.statusCode;
      if (status >= 300 && status < 400 && typeof location === 'string') {
        await response.body.dump().catch(() => undefined);
        if (hop >= MAX_REDIRECTS) throw new RegistryError(`too many redirects from ${url.host}`);
        ({ url: current, method, body, headers } = nextHop({ url: current, method, body, headers }, status, location));
        continue;
      }
      let text = '';
      if (method !== 'HEAD') {
        try {
          text = await readTruncated(response.body);
        } catch (error) {
          // The deadline can fire while the body is still arriving: that is a timeout too.
          throw classifyNetError(error, { host: current.host, proxy: this.proxyFor(current), timeoutMs: this.#options.timeoutMs });
        }
      }
      return { status, headers: response.headers, body: text, url: current, secrets: this.#secrets };
    }
  }

  /**
   * The realm guard, before any connection (docs/registry-auth.md): a host other than the
   * registry's (a token realm, a redirect's target) may be at a loopback, link-local or private
   * address only when the registry is on that kind of network too, as go-containerregistry's
   * realm validation demands.
   */
  #refuseAddress(host: string, kind: AddressKind, address?: string): void {
    if (hostname(host) === hostname(this.#options.host) || mayReach(this.#registryKind, kind)) return;
    const at = address && address !== hostname(host) ? ` (it resolves to ${address})` : '';
    throw new UnsafeRequest(
      `refusing to connect to ${hostname(host)}${at}, a ${kind} address, for ${this.#options.host}: a registry's token service or redirect may reach this machine or a private network only when the registry itself is there`,
    );
  }

  /** dns.lookup, with every address checked by {@link #refuseAddress}; the connection uses those same addresses. */
  readonly #guardedLookup: LookupFunction = (name, options, callback) => {
    dnsLookup(name, { ...options, all: true }, (error, found: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      try {
        const kinds = found.map((entry) => addressKind(entry.address));
        if (hostname(name) === hostname(this.#options.host)) {
          // A name that resolves to mixed kinds counts as public: the strictest reading.
          this.#registryKind = kinds.length > 0 && kinds.every((kind) => kind === kinds[0]) ? kinds[0]! : 'public';
        } else {
          for (const [i, entry] of found.entries()) this.#refuseAddress(name, kinds[i]!, entry.address);
        }
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, found);
      const first = found[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${name}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };

  /** Adds a secret that registry text must never show (see {@link sanitizeRegistryText}). */
  #remember(secret: string): void {
    if (secret.length === 0) return;
    this.#secrets.add(secret);
    // As it would travel in a form body or a query string.
    this.#secrets.add(encodeURIComponent(secret));
    this.#secrets.add(new URLSearchParams({ s: secret }).toString().slice(2));
  }

  #rememberSent(headers: Record<string, string>, body: string | undefined): void {
    const authorization = headers.authorization;
    if (authorization) {
      this.#remember(authorization);
      const credential = authorization.replace(/^\S+\s+/, '');
      this.#remember(credential);
      if (/^basic\s/i.test(authorization)) {
        const decoded = Buffer.from(credential, 'base64').toString('utf8');
        this.#remember(decoded);
        this.#remember(decoded.slice(decoded.indexOf(':') + 1));
      }
    }
    if (body) {
      this.#remember(body);
      for (const [key, value] of new URLSearchParams(body)) if (/token|password|secret/i.test(key)) this.#remember(value);
    }
  }

  /** The proxy configured for a URL's scheme, without any credentials in it (for messages). */
  proxyFor(url: URL): string | undefined {
    const proxy = url.protocol === 'https:' ? this.#proxy.https : this.#proxy.http;
    if (!proxy) return undefined;
    try {
      const parsed = new URL(proxy);
      return `${parsed.protocol}//${parsed.host}`;
    } catch {
      return 'the configured proxy';
    }
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

/** The redirect's target, or why it is refused before any connection to it. */
function redirectTarget(current: URL, location: string): URL {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw new RegistryError(`${current.host} answered with a redirect to an address that is not a URL`);
  }
  if (next.protocol !== 'https:' && next.protocol !== 'http:')
    throw new UnsafeRequest(`refusing ${current.host}'s redirect to a ${next.protocol.replace(':', '')} address`);
  if (next.username || next.password) throw new UnsafeRequest(`refusing ${current.host}'s redirect to an address that carries credentials`);
  if (next.protocol === 'http:' && next.origin !== current.origin && !isLoopback(next.host)) {
    throw new UnsafeRequest(`refusing ${current.host}'s redirect to ${next.host} over plain HTTP; only this machine may be reached without TLS`);
  }
  return next;
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())));
}

/** A proxy from the environment, checked: undici's own error would be a bare "Invalid URL". */
export function proxyFromEnv(env: Env, name: 'HTTP_PROXY' | 'HTTPS_PROXY'): string | undefined {
  const variable = env[name] ? name : env[name.toLowerCase()] ? name.toLowerCase() : undefined;
  const value = variable ? env[variable] : undefined;
  if (!value) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  // The value is not echoed: proxy URLs often carry a password.
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
    throw new UsageError(`${variable} is not a proxy URL such as http://proxy.example:3128; fix or unset it`);
  }
  return value;
}

interface Hop {
  url: URL;
  method: NonNullable<SendOptions['method']>;
  body: string | undefined;
  headers: Record<string, string>;
}

/**
 * The request a redirect leads to (see send): 303, and 301/302 after a POST, become a GET
 * without a body; across origins the Authorization header is dropped, and a body that would be
 * re-sent is refused. Pure but for that refusal.
 */
function nextHop(current: Hop, status: number, location: string): Hop {
  const next = redirectTarget(current.url, location);
  let { method, body, headers } = current;
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    headers = withoutHeaders(headers, ['content-type', 'content-length']);
  }
  if (next.origin !== current.url.origin) {
    if (body !== undefined) {
      throw new UnsafeRequest(
        `refusing to follow ${current.url.origin}'s ${status} redirect to ${next.origin}: it would re-send the request body, which carries credentials, to another origin`,
      );
    }
    headers = withoutHeaders(headers, ['authorization']);
  }
  return { url: next, method, body, headers };
}

/**
 * A response body as text, cut (not refused) at MAX_BODY_BYTES: only its start is ever shown,
 * in an error line. helper/io.ts's readBounded, which refuses input past its limit, is the other.
 */
async function readTruncated(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).byteLength;
    if (total > MAX_BODY_BYTES) {
      body.destroy();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
