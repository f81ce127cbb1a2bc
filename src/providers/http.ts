/**
 * HTTP to a cloud's token services (not a registry: no challenge, no credentials of the user's
 * registry): TLS verified against Node's roots, or a bundle that replaces them (AWS_CA_BUNDLE,
 * SSL_CERT_FILE), HTTPS_PROXY/NO_PROXY honoured as for registries, one deadline for
 * the whole request, the answer bounded.
 */
import { readFileSync } from 'node:fs';
import { EnvHttpProxyAgent, request } from 'undici';
import { MintFailed } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import { classifyNetError } from '../registry/net-errors.ts';
import { proxyFromEnv } from '../registry/transport.ts';

const MAX_BODY_BYTES = 256 * 1024;

export interface CloudRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  env: Env;
  /** Epoch ms by which the answer must be in; or a shorter `timeoutMs` (a metadata service). */
  deadline: number;
  timeoutMs?: number;
  /** A PEM file of extra CAs (AWS_CA_BUNDLE). */
  caBundle?: string;
  /** Talk straight to the address (a link-local metadata service), never through a proxy. */
  direct?: boolean;
  /** Who is asked, for messages: `ECR (api.ecr.eu-west-1.amazonaws.com)`. */
  what: string;
}

export interface CloudResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const RETRY_DELAYS_MS = [250, 750, 2000];

/**
 * One request, retried when the cloud did not answer or answered 5xx (with backoff, never past
 * the deadline), never when it refused: a 4xx is an answer. A short-step request (a metadata
 * service, `timeoutMs`) is not retried: being absent is its usual answer.
 */
export async function cloudRequest(req: CloudRequest): Promise<CloudResponse> {
  for (let attempt = 0; ; attempt++) {
    const delay = RETRY_DELAYS_MS[attempt];
    const retryable = req.timeoutMs === undefined && delay !== undefined && Date.now() + delay < req.deadline - 1000;
    try {
      const response = await requestOnce(req);
      if (response.status < 500 || !retryable) return response;
    } catch (error) {
      if (!retryable || !(error instanceof MintFailed) || error.code !== 'network') throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function requestOnce(req: CloudRequest): Promise<CloudResponse> {
  const timeoutMs = Math.max(1, Math.min(req.timeoutMs ?? Number.POSITIVE_INFINITY, req.deadline - Date.now()));
  // A bundle replaces the roots, as AWS's tools use AWS_CA_BUNDLE and OpenSSL SSL_CERT_FILE;
  // otherwise Node's own roots (and NODE_EXTRA_CA_CERTS), which every cloud's endpoints chain
  // to. Building a context from every system root as well costs ~75 ms: too much for a pull.
  const bundle = req.caBundle || req.env.SSL_CERT_FILE;
  const ca = bundle ? [readFileSync(bundle, 'utf8')] : undefined;
  const timeouts = { connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const http = req.direct ? undefined : proxyFromEnv(req.env, 'HTTP_PROXY');
  const https = req.direct ? undefined : proxyFromEnv(req.env, 'HTTPS_PROXY');
  const dispatcher = new EnvHttpProxyAgent({
    ...timeouts,
    // Undefined proxies mean direct: the agent must not read process.env itself.
    httpProxy: http ?? '',
    httpsProxy: https ?? '',
    noProxy: req.direct ? '*' : (req.env.NO_PROXY ?? req.env.no_proxy ?? ''),
    ...(ca ? { connect: { ca }, requestTls: { ca } } : {}),
  });
  try {
    const response = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
    let body = '';
    for await (const chunk of response.body) {
      body += chunk;
      if (body.length > MAX_BODY_BYTES) throw new MintFailed(`${req.what} answered with more than ${MAX_BODY_BYTES} bytes`, { code: 'failure' });
    }
    return { status: response.statusCode, headers: response.headers, body };
  } catch (error) {
    if (error instanceof MintFailed) throw error;
    const classified = classifyNetError(error, { host: req.url.host, proxy: https ?? http, timeoutMs });
    throw new MintFailed(`${req.what}: ${classified.message}`, { code: classified.code === 'tls' ? 'tls' : 'network' });
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}
