/**
 * HTTP to a cloud's token services (not a registry: no challenge, no credentials of the user's
 * registry): TLS verified against Node's and the system's roots (plus the cloud's own bundle
 * variable, AWS_CA_BUNDLE), HTTPS_PROXY/NO_PROXY honoured as for registries, one deadline for
 * the whole request, the answer bounded.
 */
import { readFileSync } from 'node:fs';
import { EnvHttpProxyAgent, request } from 'undici';
import { MintFailed } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import { classifyNetError } from '../registry/net-errors.ts';
import { trustedRoots } from '../registry/tls-trust.ts';
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

export async function cloudRequest(req: CloudRequest): Promise<CloudResponse> {
  const timeoutMs = Math.max(1, Math.min(req.timeoutMs ?? Number.POSITIVE_INFINITY, req.deadline - Date.now()));
  const ca = req.caBundle ? [...trustedRoots(), readFileSync(req.caBundle, 'utf8')] : trustedRoots();
  const timeouts = { connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const http = req.direct ? undefined : proxyFromEnv(req.env, 'HTTP_PROXY');
  const https = req.direct ? undefined : proxyFromEnv(req.env, 'HTTPS_PROXY');
  const dispatcher = new EnvHttpProxyAgent({
    ...timeouts,
    // Undefined proxies mean direct: the agent must not read process.env itself.
    httpProxy: http ?? '',
    httpsProxy: https ?? '',
    noProxy: req.direct ? '*' : (req.env.NO_PROXY ?? req.env.no_proxy ?? ''),
    connect: { ca },
    requestTls: { ca },
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
