/**
 * One rate-limit check: ping, one token for the repository (with the stored credentials when
 * there are any), one `HEAD` of its `latest` manifest. A HEAD does not count as a pull (Docker's
 * documentation says so); this module never GETs a manifest.
 */
import { CredentialsRejected, RegistryError } from '../errors.ts';
import { TOKEN_USERNAME } from '../helper/protocol.ts';
import { basic, fetchToken, pingRegistry, refuseCleartext, registryMessage, statusError } from './auth.ts';
import { parseChallenges, pickChallenge } from './challenge.ts';
import { RegistryHttp, type HttpOptions } from './http.ts';
import { readRateLimit, type RateLimit } from './ratelimit.ts';

export interface RateLimitQuery {
  /** `host[:port]` serving the v2 API (`registry-1.docker.io` for Docker Hub). */
  registry: string;
  repository: string;
  credentials?: { username: string; secret: string };
  certDir?: string;
  insecure?: boolean;
  timeoutMs: number;
  env: HttpOptions['env'];
}

export interface RateLimitReport extends RateLimit {
  registry: string;
  repository: string;
  /** Credentials were sent and accepted. */
  authenticated: boolean;
  /** The manifest HEAD answered 429. */
  exhausted: boolean;
  /** On 429: the registry's message, or what a bare 429 means. */
  message: string | null;
}

/** Manifest types a registry may answer with; without them Hub can 404 on content negotiation. */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

export async function checkRateLimit(query: RateLimitQuery): Promise<RateLimitReport> {
  const http = new RegistryHttp({ host: query.registry, certDir: query.certDir, insecure: query.insecure, timeoutMs: query.timeoutMs, env: query.env, secrets: query.credentials ? [query.credentials.secret] : [] });
  try {
    const { response: ping, base } = await pingRegistry(http, query.registry, query);
    const manifest = new URL(`/v2/${query.repository}/manifests/latest`, base);
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
    let authenticated = false;

    if (ping.status === 401) {
      const challenge = pickChallenge(parseChallenges(ping.headers['www-authenticate']));
      if (!challenge) throw new RegistryError(`${query.registry} answered 401 without a Basic or Bearer challenge`);
      if (challenge.scheme === 'bearer') {
        const token = await fetchToken(http, base, challenge, query.credentials, [`repository:${query.repository}:pull`]);
        headers.authorization = `Bearer ${token.token}`;
        authenticated = query.credentials !== undefined;
      } else {
        if (!query.credentials || query.credentials.username === TOKEN_USERNAME) throw new CredentialsRejected(`${query.registry} needs a username and password (Basic auth)`);
        refuseCleartext(base, base.host);
        headers.authorization = basic(query.credentials.username, query.credentials.secret);
        authenticated = true;
      }
    }

    const head = await http.send(manifest, { method: 'HEAD', headers });
    const limits = readRateLimit(head.headers);
    const report = { registry: query.registry, repository: query.repository, authenticated, ...limits };
    if (head.status === 429) {
      // A 429 to a HEAD has no body to quote. With limit headers it is the pull limit; a bare
      // 429 comes from Docker Hub's abuse limiter (thousands of requests a minute per address).
      const pullLimit = !limits.unlimited;
      return {
        ...report,
        remaining: 0,
        unlimited: false,
        exhausted: true,
        message: registryMessage(head) ?? (pullLimit ? 'toomanyrequests: the pull rate limit is reached' : 'toomanyrequests without limit headers: the abuse rate limiter, not the pull limit (too many requests of any kind from this address)'),
      };
    }
    if (head.status === 401 || head.status === 403) {
      throw new CredentialsRejected(`${query.registry}: ${registryMessage(head) ?? `HEAD ${manifest.pathname} answered ${head.status}`} (the token does not allow pulling ${query.repository})`);
    }
    if (head.status !== 200) throw statusError(head, query.registry, 'login');
    return { ...report, exhausted: false, message: null };
  } finally {
    await http.close();
  }
}
