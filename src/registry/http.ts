/**
 * HTTP for registries (undici): TLS always verified, Docker's certs.d CAs, proxies from the
 * environment, a deadline on every request, bounded bodies, and redirects followed by hand so
 * that an Authorization header never crosses to another host.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { RegistryError, UsageError } from '../errors.ts';
import type { Env } from '../paths.ts';
import { certsDirName } from './endpoint.ts';
import { classifyNetError } from './net-errors.ts';

/** Docker's per-registry CA directory (`/etc/docker/certs.d/<host[:port]>/*.crt`). */
export const DOCKER_CERTS_D = platform() === 'win32' ? 'C:\\ProgramData\\docker\\certs.d' : '/etc/docker/certs.d';

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
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: URL;
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

  constructor(options: HttpOptions) {
    this.#options = options;
    const tls = tlsOptions(options);
    const env = options.env;
    this.#proxy = {
      http: env.HTTP_PROXY || env.http_proxy || undefined,
      https: env.HTTPS_PROXY || env.https_proxy || undefined,
      noProxy: env.NO_PROXY || env.no_proxy || undefined,
    };
    const timeouts = { connectTimeout: options.timeoutMs, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
    this.#dispatcher =
      this.#proxy.http || this.#proxy.https
        ? new EnvHttpProxyAgent({ ...timeouts, connect: tls, requestTls: tls, httpProxy: this.#proxy.http ?? '', httpsProxy: this.#proxy.https ?? '', noProxy: this.#proxy.noProxy ?? '' })
        : new Agent({ ...timeouts, connect: tls });
  }

  /**
   * Sends a request and follows redirects. Authorization goes only to the origin it was meant
   * for: it is dropped when a redirect changes scheme, host or port.
   */
  async send(url: URL, options: SendOptions = {}, signal?: AbortSignal): Promise<HttpResponse> {
    let current = url;
    let headers = { 'user-agent': 'dcm', ...options.headers };
    for (let hop = 0; ; hop++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await request(current, {
          method: options.method ?? 'GET',
          headers,
          body: options.body,
          dispatcher: this.#dispatcher,
          signal: signal ?? AbortSignal.timeout(this.#options.timeoutMs),
        });
      } catch (error) {
        throw classifyNetError(error, { host: current.host, proxy: this.proxyFor(current), timeoutMs: this.#options.timeoutMs });
      }
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        await response.body.dump();
        if (hop >= MAX_REDIRECTS) throw new RegistryError(`too many redirects from ${url.host}`);
        const next = new URL(location, current);
        if (next.origin !== current.origin) {
          const { authorization: _dropped, ...rest } = headers as Record<string, string>;
          headers = rest as typeof headers;
        }
        current = next;
        continue;
      }
      const body = options.method === 'HEAD' ? '' : await readBounded(response.body);
      return { status: response.statusCode, headers: response.headers, body, url: current };
    }
  }

  /** The proxy a URL goes through, without any credentials in it (for messages). */
  proxyFor(url: URL): string | undefined {
    const proxy = url.protocol === 'https:' ? this.#proxy.https : this.#proxy.http;
    if (!proxy || bypassesProxy(url.hostname, this.#proxy.noProxy)) return undefined;
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

async function readBounded(body: Dispatcher.ResponseData['body']): Promise<string> {
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

function bypassesProxy(host: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  return noProxy.split(/[,\s]+/).some((entry) => {
    const rule = entry.trim().toLowerCase().replace(/:\d+$/, '');
    if (rule === '') return false;
    if (rule === '*') return true;
    const bare = rule.replace(/^\*?\./, '');
    return host === bare || host.endsWith(`.${bare}`);
  });
}

/**
 * TLS settings for one registry: the system roots plus Docker's certs.d/<host>/*.crt and
 * --cert-dir/*.crt as extra CAs (Node's `ca` replaces the defaults, so they are concatenated),
 * and a client certificate from a *.cert/*.key pair.
 */
export function tlsOptions(options: Pick<HttpOptions, 'host' | 'certDir' | 'insecure' | 'certsD'>): { ca?: string[]; cert?: string; key?: string; rejectUnauthorized: boolean } {
  const dirs = [join(options.certsD ?? DOCKER_CERTS_D, certsDirName(options.host, platform()))];
  if (options.certDir) dirs.push(options.certDir);
  const extraCas: string[] = [];
  let cert: string | undefined;
  let key: string | undefined;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (error) {
      if (dir === options.certDir) throw new UsageError(`--cert-dir ${dir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : 'cannot be read'}`);
      continue;
    }
    for (const name of names) {
      if (name.endsWith('.crt')) extraCas.push(readFileSync(join(dir, name), 'utf8'));
      if (name.endsWith('.cert')) {
        const keyName = name.replace(/\.cert$/, '.key');
        if (!names.includes(keyName)) throw new UsageError(`${join(dir, name)} has no matching ${keyName} (client certificates need both)`);
        cert = readFileSync(join(dir, name), 'utf8');
        key = readFileSync(join(dir, keyName), 'utf8');
      }
    }
  }
  const defaults = typeof getCACertificates === 'function' ? getCACertificates('default') : [...rootCertificates];
  return {
    ...(extraCas.length > 0 ? { ca: [...defaults, ...extraCas] } : {}),
    ...(cert && key ? { cert, key } : {}),
    rejectUnauthorized: !options.insecure,
  };
}
