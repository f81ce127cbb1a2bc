/**
 * Does this login work? One session: ping, authorize, then `GET /v2/` with the authorization.
 * Only a final 200 counts.
 */
import { statusError, withSession, type SessionOptions } from './session.ts';

export interface LoginCheck extends Omit<SessionOptions, 'credentials'> {
  username: string;
  /** A password, or an identity (refresh) token when username is `<token>`. */
  secret: string;
}

export interface LoginCheckResult {
  /** The URL that answered `/v2/`. */
  endpoint: string;
  /** How the registry authenticates; `none` means it let us in anonymously, proving nothing. */
  auth: 'basic' | 'bearer' | 'none';
  /** A refresh token the token service returned: Docker keeps it instead of the password. */
  identityToken?: string;
}

export function checkLogin(check: LoginCheck): Promise<LoginCheckResult> {
  const { username, secret, ...options } = check;
  return withSession({ ...options, credentials: { username, secret } }, async (session) => {
    const endpoint = session.base.href;
    if (session.anonymous) return { endpoint, auth: 'none' };
    const authorization = await session.authorize([]);
    const response = await session.send('/v2/', { headers: authorization.headers });
    if (response.status !== 200) throw statusError(response, session.base.host, 'login');
    return { endpoint, auth: authorization.scheme, ...(authorization.identityToken ? { identityToken: authorization.identityToken } : {}) };
  });
}
