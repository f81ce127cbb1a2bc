/**
 * Stand-ins for Google's token services, behind the HTTPS front of registry-standins.ts (reached
 * by their real names through the CONNECT proxy), answering as Google documents them:
 * - oauth2.googleapis.com/token: a service-account key's RS256 JWT (`jwt-bearer`, checked with
 *   the key's public half: issuer, audience, scope, lifetime) and an authorized_user's refresh
 *   token; errors as `{"error", "error_description"}`;
 * - sts.googleapis.com/v1/token: workload identity federation's token exchange;
 * - iamcredentials.googleapis.com: generateAccessToken for an impersonated service account.
 * Every access token handed out is the one the Artifact Registry stand-in accepts.
 * google-auth-library gets its tokens here first (test/integration/gcp-provider.test.ts).
 */
import { generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const GOOGLE_HOSTS = {
  googleOauth2: 'oauth2.googleapis.com',
  googleSts: 'sts.googleapis.com',
  googleIam: 'iamcredentials.googleapis.com',
} as const;

export interface GoogleStandIn {
  /** A service-account key file's contents (the private key is this run's). */
  serviceAccount: Record<string, string>;
  authorizedUser: Record<string, string>;
  /** Workload identity federation: the pool's audience and the one subject token it takes. */
  federation: { audience: string; subjectToken: string; serviceAccount: string };
  /** A CI job's OIDC issuer the pool trusts: its check of a token (audience `https:` + the pool provider). */
  trustedIssuer?: (token: string, audience: string) => boolean;
  /** What each request was: grant types and impersonations, in order. */
  seen: string[];
  handles(host: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

export function createGoogleStandIn(accessToken: string): GoogleStandIn {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = randomUUID().replace(/-/g, '');
  const stsTokens = new Set<string>();
  const standIn: GoogleStandIn = {
    serviceAccount: {
      type: 'service_account',
      project_id: 'dcm-test',
      private_key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: 'pusher@dcm-test.iam.gserviceaccount.com',
      client_id: '1234567890',
      token_uri: `https://${GOOGLE_HOSTS.googleOauth2}/token`,
    },
    authorizedUser: {
      type: 'authorized_user',
      client_id: `${randomUUID()}.apps.googleusercontent.com`,
      client_secret: `GOCSPX-${randomUUID()}`,
      refresh_token: `1//${randomUUID()}`,
      account: 'dev@example.com',
    },
    federation: {
      audience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github',
      subjectToken: `eyJ.${randomUUID()}.sig`,
      serviceAccount: 'ci-pusher@dcm-test.iam.gserviceaccount.com',
    },
    seen: [],
    handles: (host) => (Object.values(GOOGLE_HOSTS) as string[]).includes(host),
    handle: (req, res) => void respond(req, res),
  };
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const granted = (res: ServerResponse) => reply(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });

  function jwtValid(assertion: string): string | undefined {
    const [header, claims, signature] = assertion.split('.');
    if (!header || !claims || !signature) return 'malformed';
    const ok = verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url'));
    if (!ok) return 'Invalid JWT Signature.';
    const c = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
    const now = Date.now() / 1000;
    if (c.iss !== standIn.serviceAccount.client_email) return 'Invalid issuer';
    if (c.aud !== standIn.serviceAccount.token_uri) return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.';
    if (typeof c.iat !== 'number' || typeof c.exp !== 'number' || c.exp - c.iat > 3600 || Math.abs(c.iat - now) > 300)
      return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.';
    if (
      !String(c.scope ?? '')
        .split(' ')
        .includes('https://www.googleapis.com/auth/cloud-platform')
    )
      return 'Invalid OAuth scope or ID token audience provided.';
    return undefined;
  }

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const body = await readBody(req);
    if (host === GOOGLE_HOSTS.googleOauth2) {
      const form = new URLSearchParams(body);
      const grant = form.get('grant_type') ?? '';
      standIn.seen.push(grant);
      if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        const problem = jwtValid(form.get('assertion') ?? '');
        return problem ? reply(res, 400, { error: 'invalid_grant', error_description: problem }) : granted(res);
      }
      if (grant === 'refresh_token') {
        const user = standIn.authorizedUser;
        if (form.get('client_id') !== user.client_id || form.get('client_secret') !== user.client_secret)
          return reply(res, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
        if (form.get('refresh_token') !== user.refresh_token)
          return reply(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
        return granted(res);
      }
      return reply(res, 400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${grant}` });
    }
    if (host === GOOGLE_HOSTS.googleSts) {
      const form = new URLSearchParams(body.startsWith('{') ? (JSON.parse(body) as Record<string, string>) : body);
      standIn.seen.push(`sts ${form.get('grant_type')}`);
      if (form.get('audience') !== standIn.federation.audience)
        return reply(res, 400, { error: 'invalid_target', error_description: 'The target service indicated by the "audience" parameters is invalid.' });
      const subject = form.get('subject_token') ?? '';
      if (subject !== standIn.federation.subjectToken && standIn.trustedIssuer?.(subject, `https:${standIn.federation.audience}`) !== true)
        return reply(res, 400, { error: 'invalid_grant', error_description: 'The audience in ID Token does not match the expected audience.' });
      const token = `ya29.sts-${randomUUID()}`;
      stsTokens.add(token);
      return reply(res, 200, {
        access_token: token,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 3600,
      });
    }
    // iamcredentials: POST /v1/projects/-/serviceAccounts/SA:generateAccessToken, with an STS token.
    const account = decodeURIComponent(/serviceAccounts\/([^:]+):generateAccessToken$/.exec(req.url ?? '')?.[1] ?? '');
    standIn.seen.push(`impersonate ${account}`);
    if (!stsTokens.has((req.headers.authorization ?? '').replace(/^Bearer /, '')))
      return reply(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
    if (account !== standIn.federation.serviceAccount)
      return reply(res, 403, {
        error: { code: 403, message: `Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).`, status: 'PERMISSION_DENIED' },
      });
    reply(res, 200, { accessToken, expireTime: new Date(Date.now() + 3600_000).toISOString() });
  }
  return standIn;
}
