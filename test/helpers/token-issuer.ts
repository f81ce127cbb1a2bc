/**
 * A small token service for the CNCF registry's `auth: token` mode (the Docker token spec):
 * GET /token with Basic auth, POST /token with an OAuth2 form (password or refresh_token grant).
 * Tokens are ES256 JWTs whose header carries the signing certificate in `x5c`, which the
 * registry checks against its `rootcertbundle`.
 */
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface TokenIssuer {
  realm: string;
  users: Map<string, string>;
  refreshTokens: Map<string, string>;
  /** Every request the issuer saw, with the Authorization header it carried (for assertions). */
  requests: Array<{ method: string; url: string; authorization?: string; body: string }>;
  stop(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export async function startTokenIssuer(options: {
  certPath: string;
  keyPath: string;
  issuer: string;
  service: string;
  users: Record<string, string>;
  /** Where the token endpoint lives (default `/token`): Harbor's `/service/token`, GitLab's `/jwt/auth`. */
  path?: string;
  /** The answer to refused credentials (default 401 `UNAUTHORIZED: incorrect username or password`). */
  rejection?: { status: number; body: unknown };
  /** Whether a username and secret are accepted, instead of the `users` table (for expiring tokens). */
  verify?: (user: string, secret: string) => boolean;
  /** Whether `offline_token=true` gets a refresh token (default true; GitLab's and Harbor's never do). */
  refreshTokens?: boolean;
}): Promise<TokenIssuer> {
  const key = createPrivateKey(readFileSync(options.keyPath));
  const certDer = new X509Certificate(readFileSync(options.certPath)).raw;
  const users = new Map(Object.entries(options.users));
  const refreshTokens = new Map<string, string>();
  const requests: TokenIssuer['requests'] = [];

  const jwt = (subject: string, access: unknown[]) => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [certDer.toString('base64')] }));
    const claims = b64url(
      JSON.stringify({ iss: options.issuer, sub: subject, aud: options.service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }),
    );
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    return `${header}.${claims}.${b64url(signature)}`;
  };

  const scopes = (raw: string[]) =>
    raw
      .flatMap((s) => s.split(' '))
      .filter(Boolean)
      .map((scope) => {
        const [type, name, actions] = scope.split(':');
        return { type, name, actions: (actions ?? '').split(',').filter(Boolean) };
      });

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
    const url = new URL(req.url ?? '/', 'http://issuer');
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (url.pathname !== (options.path ?? '/token')) return reply(404, { error: 'not found' });
    const rejection = options.rejection ?? { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] } };
    const accepted = (user: string, secret: string) => (options.verify ? options.verify(user, secret) : users.get(user) === secret);

    let subject = '';
    let wantRefresh = false;
    let access: unknown[] = [];
    if (req.method === 'GET') {
      const auth = req.headers.authorization;
      if (auth?.startsWith('Basic ')) {
        const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
        if (!user || !accepted(user, rest.join(':'))) return reply(rejection.status, rejection.body);
        subject = user;
      }
      wantRefresh = url.searchParams.get('offline_token') === 'true' && subject !== '' && options.refreshTokens !== false;
      access = scopes(url.searchParams.getAll('scope'));
    } else if (req.method === 'POST') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') === 'refresh_token') {
        subject = refreshTokens.get(form.get('refresh_token') ?? '') ?? '';
        if (!subject || !users.has(subject)) return reply(401, { error: 'invalid_grant' });
      } else if (form.get('grant_type') === 'password') {
        const user = form.get('username') ?? '';
        if (users.get(user) !== form.get('password')) return reply(401, { error: 'invalid_grant' });
        subject = user;
      } else {
        return reply(400, { error: 'unsupported_grant_type' });
      }
      wantRefresh = true;
      access = scopes(form.getAll('scope'));
    } else {
      return reply(405, { error: 'method not allowed' });
    }

    const token = jwt(subject, subject ? access : []);
    const payload: Record<string, unknown> = { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() };
    if (wantRefresh) {
      const refresh = `rt-${randomUUID()}`;
      refreshTokens.set(refresh, subject);
      payload.refresh_token = refresh;
    }
    reply(200, payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}${options.path ?? '/token'}`,
    users,
    refreshTokens,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
