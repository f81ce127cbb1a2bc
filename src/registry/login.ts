/**
 * Does this login work? One session: ping, authorize, then `GET /v2/` with the authorization.
 * Only a final 200 counts. A refusal is explained in the registry's own terms (profiles.ts):
 * what it takes, the trap a username fell into, and the command that gets a fresh secret.
 */
import { TOKEN_USERNAME } from '../docker/server-address.ts';
import { CredentialsRejected } from '../errors.ts';
import { secretExpiry } from './expiry.ts';
import { profileFor, type RegistryProfile } from './profiles.ts';
import { withSession, type SessionOptions } from './session.ts';

export interface LoginCheck extends Omit<SessionOptions, 'credentials' | 'rejectionStatuses' | 'host'> {
  /** The canonical server key (docker/server-address.ts): the registry's profile comes from it. */
  registry: string;
  /** `host[:port]` serving `/v2/` (profiles.ts apiHost). */
  host: string;
  username: string;
  /** A password, or an identity (refresh) token when username is `<token>`. */
  secret: string;
  /** For "has it expired": the time now (tests pass their own). */
  now?: Date;
}

export interface LoginCheckResult {
  /** The URL that answered `/v2/`. */
  endpoint: string;
  /** How the registry authenticates; `none` means it let us in anonymously, proving nothing. */
  auth: 'basic' | 'bearer' | 'none';
  /** A refresh token the token service returned: Docker keeps it instead of the password. */
  identityToken?: string;
  /** What kind of registry answered (by host, or for a self-hosted one by its challenge). */
  profile: RegistryProfile['id'];
}

export function checkLogin(check: LoginCheck): Promise<LoginCheckResult> {
  const { username, secret, registry, now = new Date(), ...options } = check;
  const byHost = profileFor(registry);
  return withSession({ ...options, credentials: { username, secret }, rejectionStatuses: byHost.rejectionStatuses }, async (session) => {
    const endpoint = session.base.href;
    const challenge = session.challenge;
    const profile = profileFor(registry, challenge?.params);
    if (session.anonymous) return { endpoint, auth: 'none', profile: profile.id };
    try {
      const authorization = await session.authorize([]);
      const response = await session.send('/v2/', { headers: authorization.headers });
      if (response.status !== 200) throw session.statusError(response);
      return {
        endpoint,
        auth: authorization.scheme,
        profile: profile.id,
        ...(authorization.identityToken ? { identityToken: authorization.identityToken } : {}),
      };
    } catch (error) {
      if (!(error instanceof CredentialsRejected)) throw error;
      const expiresAt = secretExpiry(secret, profile.id);
      const expired = error.expired || (expiresAt !== undefined && expiresAt <= now);
      const stated = expiresAt && expiresAt <= now && !error.expired ? ` (the secret itself says it expired at ${expiresAt.toISOString()})` : '';
      throw new CredentialsRejected(`${error.message}${stated}; ${rejectionAdvice(profile, registry, { username, secret, expired })}`, { expired });
    }
  });
}

/**
 * What to do about refused credentials at this registry. Pure: a trap the username fell into
 * first, then for an expired login the command that gets a fresh secret, else what it takes.
 */
export function rejectionAdvice(profile: RegistryProfile, registry: string, login: { username: string; secret: string; expired: boolean }): string {
  if (login.username === TOKEN_USERNAME) return `the stored identity token is no longer accepted: log in again (dcm login ${registry})`;
  const trap = profile.usernameTrap?.(login.username, login.secret);
  if (trap) return trap;
  if (login.expired && profile.refresh) return `get a new one: ${profile.refresh(registry)}`;
  if (profile.credentials) return `${profile.name} takes ${profile.credentials}`;
  return login.expired ? `log in again: dcm login ${registry}` : 'check the username and password';
}
