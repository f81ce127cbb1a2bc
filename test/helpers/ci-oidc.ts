/**
 * A stand-in for GitHub Actions' OIDC token service on loopback, driven by the runner's
 * documented environment (ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN): GET with
 * `audience=`, authorized by the request token, answers `{"value": JWT}` signed RS256 by this
 * issuer, with GitHub's claims (iss, sub, aud, repository, run id). The same issuer signs what a
 * GitLab job finds in its id_tokens variable. The cloud stand-ins trust it through `verify`.
 * `failFirst` makes the next answers 503 (retries); `refuse` makes them 403.
 */
import { generateKeyPairSync, randomUUID, sign, verify as verifySignature } from 'node:crypto';
import { createServer } from 'node:http';

export interface CiIssuer {
  env: Record<string, string>;
  /** A token as GitLab hands it to a job (its id_tokens entry), for this audience. */
  gitlabToken(audience: string): string;
  /** Whether `token` is this issuer's, unexpired, for `audience`. */
  verify(token: string, audience: string): boolean;
  requests: string[];
  failFirst: number;
  refuse: boolean;
  stop(): Promise<void>;
}

export async function startCiIssuer(): Promise<CiIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const requestToken = randomUUID();
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const mint = (iss: string, audience: string, sub: string) => {
    const now = Math.floor(Date.now() / 1000);
    const body = `${encode({ alg: 'RS256', typ: 'JWT', kid: 'ci' })}.${encode({ iss, aud: audience, sub, iat: now, nbf: now, exp: now + 300, repository: 'dcm/dcm', run_id: '42' })}`;
    return `${body}.${sign('RSA-SHA256', Buffer.from(body), privateKey).toString('base64url')}`;
  };
  const issuer: CiIssuer = {
    env: {},
    gitlabToken: (audience) => mint('https://gitlab.com', audience, 'project_path:dcm/dcm:ref_type:branch:ref:main'),
    verify: (token, audience) => {
      const [header, claims, signature] = token.split('.');
      if (
        !header ||
        !claims ||
        !signature ||
        !verifySignature('RSA-SHA256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url'))
      )
        return false;
      const c = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud?: string; exp?: number };
      return c.aud === audience && typeof c.exp === 'number' && c.exp * 1000 > Date.now();
    },
    requests: [],
    failFirst: 0,
    refuse: false,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    issuer.requests.push(url.searchParams.get('audience') ?? '');
    if (issuer.failFirst > 0) {
      issuer.failFirst--;
      return res.writeHead(503).end('upstream unavailable');
    }
    if (issuer.refuse || req.headers.authorization !== `bearer ${requestToken}`)
      return res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable"}');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        count: 1,
        value: mint('https://token.actions.githubusercontent.com', url.searchParams.get('audience') ?? '', 'repo:dcm/dcm:ref:refs/heads/main'),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  issuer.env = {
    ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/_apis/distributedtask/hubs/Actions/plans/p/jobs/j/idtoken?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
  };
  return issuer;
}
