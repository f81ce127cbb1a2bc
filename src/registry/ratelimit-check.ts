/**
 * One rate-limit check: ping, one token for the repository (with the stored credentials when
 * there are any), one `HEAD` of its `latest` manifest. A HEAD does not count as a pull (Docker's
 * documentation says so); this module never GETs a manifest.
 */
import { CredentialsRejected } from '../errors.ts';
import { headManifest } from './manifest.ts';
import { readRateLimit, type RateLimit } from './ratelimit.ts';
import { withSession, type SessionOptions } from './session.ts';
import { registryMessage, statusError } from './status-errors.ts';

export interface RateLimitQuery extends Omit<SessionOptions, 'host'> {
  /** `host[:port]` serving the v2 API (`registry-1.docker.io` for Docker Hub). */
  registry: string;
  repository: string;
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

export function checkRateLimit(query: RateLimitQuery): Promise<RateLimitReport> {
  const { registry, repository, ...options } = query;
  return withSession({ ...options, host: registry }, async (session) => {
    const manifest = `/v2/${repository}/manifests/latest`;
    const authorization = await session.authorize([`repository:${repository}:pull`]);
    const authenticated = authorization.scheme !== 'none' && query.credentials !== undefined;
    const head = await headManifest(session, repository, 'latest', authorization);
    const limits = readRateLimit(head.headers);
    const report = { registry, repository, authenticated, ...limits };
    if (head.status === 429) {
      // A 429 to a HEAD has no body to quote. With limit headers it is the pull limit; a bare
      // 429 comes from Docker Hub's abuse limiter (thousands of requests a minute per address).
      const pullLimit = !limits.unlimited;
      return {
        ...report,
        remaining: 0,
        unlimited: false,
        exhausted: true,
        message:
          registryMessage(head) ??
          (pullLimit
            ? 'toomanyrequests: the pull rate limit is reached'
            : 'toomanyrequests without limit headers: the abuse rate limiter, not the pull limit (too many requests of any kind from this address)'),
      };
    }
    if (head.status === 401 || head.status === 403) {
      throw new CredentialsRejected(
        `${registry}: ${registryMessage(head) ?? `HEAD ${manifest} answered ${head.status}`} (the token does not allow pulling ${repository})`,
      );
    }
    if (head.status !== 200) throw statusError(head, registry, 'login');
    return { ...report, exhausted: false, message: null };
  });
}
