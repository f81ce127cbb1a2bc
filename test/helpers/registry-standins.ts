/**
 * Stand-ins for the registries people log in to, each reproducing its documented behaviour
 * (docs/registries.md: challenge shape, token endpoint, the status and body of each failure,
 * username rules), reached by their real host names on loopback:
 * - one HTTPS server (a test CA's certificate for every name) answers for all of them, by Host;
 * - a CONNECT proxy on loopback sends every tunnel there, so dcm talks to `ghcr.io` or
 *   `123456789012.dkr.ecr.eu-west-1.amazonaws.com` through `HTTPS_PROXY` and nothing leaves the
 *   machine;
 * - the Harbor-like and GitLab-like cases are the real CNCF registry in token mode, with a token
 *   service at Harbor's `/service/token` (service `harbor-registry`) and GitLab's `/jwt/auth`
 *   (service `container_registry`), forwarded to by the HTTPS server.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { tempDir } from './env.ts';
import { connectProxy, forwardRequest } from './fake-server.ts';
import { makeCa, makeServerCert, makeSigningCert } from './pki.ts';
import { startRegistry, type RunningRegistry } from './registry.ts';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.ts';
import { jwt } from './tokens.ts';
import { AWS_HOSTS, createAwsStandIn, type AwsStandIn } from './aws-standin.ts';
import { GOOGLE_HOSTS, createGoogleStandIn, type GoogleStandIn } from './google-standin.ts';
import { ENTRA_HOSTS, createEntraStandIn, type EntraStandIn } from './entra-standin.ts';

export const ACR_ZERO_USER = '00000000-0000-0000-0000-000000000000';

export const HOSTS = {
  hub: 'registry-1.docker.io',
  hubAuth: 'auth.docker.io',
  ghcr: 'ghcr.io',
  ecr: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  ecrPublic: 'public.ecr.aws',
  acr: 'dcmtest.azurecr.io',
  gar: 'europe-west1-docker.pkg.dev',
  gcr: 'gcr.io',
  quay: 'quay.io',
  nexus: 'nexus.corp.test',
  harbor: 'harbor.corp.test',
  gitlab: 'registry.gitlab.com',
  gitlabAuth: 'gitlab.com',
  cncf: 'registry.corp.test',
  ...AWS_HOSTS,
  ...GOOGLE_HOSTS,
  ...ENTRA_HOSTS,
} as const;

/** The secrets each stand-in accepts (tokens are minted per run). */
export interface StandInSecrets {
  hub: { user: string; pat: string };
  ghcr: { user: string; pat: string };
  /** ECR tokens are checked by their content: minted here, unexpired, for this region. */
  ecrTokens: Set<string>;
  acr: { appId: string; appSecret: string };
  gar: { accessToken: string; jsonKey: string };
  quay: { robot: string; token: string };
  nexus: { user: string; password: string };
  harbor: { robot: string; secret: string };
  gitlab: { deployUser: string; deployToken: string };
  cncf: { user: string; password: string };
}

export interface StandIns {
  proxyUrl: string;
  /** A directory with the test CA as `ca.crt`, for `--cert-dir`. */
  caDir: string;
  secrets: StandInSecrets;
  /** The AWS APIs (ECR's GetAuthorizationToken, STS), for the aws provider. */
  aws: AwsStandIn;
  /**
   * Registries that serve images (ECR's and the Bearer stand-ins, by host): each request the
   * stand-in authorizes, as that registry does, goes on to this registry (`host:port`, plain
   * HTTP) with the given Authorization instead.
   */
  imageBackends: Record<string, { upstream: string; authorization: string }>;
  /** Google's token services (OAuth2, STS, IAM credentials), for the gcp provider. */
  google: GoogleStandIn;
  /** Entra ID's token endpoint, whose tokens ACR's /oauth2/exchange takes, for the azure provider. */
  entra: EntraStandIn;
  /** Every request the HTTPS server received: host, method, path, and the Authorization header. */
  requests: Array<{ host: string; method: string; url: string; authorization?: string }>;
  /** The env that sends dcm through the proxy. */
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

const json =
  (res: ServerResponse, method: string) =>
  (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(method === 'HEAD' ? undefined : JSON.stringify(body));
  };

const text = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
};

function basicOf(req: IncomingMessage): { user: string; secret: string } | undefined {
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return { user: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * A Bearer registry: `/v2/` challenges with `realm` and `service`; the token endpoint checks
 * Basic credentials with `verify` and answers a refusal with `refuse`; `/v2/` accepts the tokens
 * it issued.
 */
function bearer(options: {
  realm: string;
  service: string;
  tokenPath: string;
  verify: (user: string, secret: string, query: URLSearchParams) => boolean;
  refuse: (reply: Reply, res: ServerResponse) => void;
}) {
  const tokens = new Set<string>();
  return {
    tokenPath: options.tokenPath,
    authorized: (req: IncomingMessage) => tokens.has(req.headers.authorization?.replace(/^Bearer /, '') ?? ''),
    ping(req: IncomingMessage, reply: Reply) {
      const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      // As every v2 registry answers its ping (Docker's CLI insists on the version header).
      const version = { 'docker-distribution-api-version': 'registry/2.0' };
      if (tokens.has(token)) return reply(200, {}, version);
      reply(
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        { 'www-authenticate': `Bearer realm="${options.realm}",service="${options.service}"`, ...version },
      );
    },
    token(req: IncomingMessage, url: URL, reply: Reply, res: ServerResponse) {
      const basic = basicOf(req);
      if (basic && !options.verify(basic.user, basic.secret, url.searchParams)) return options.refuse(reply, res);
      const token = `tok-${randomUUID()}`;
      tokens.add(token);
      reply(200, { token, access_token: token, expires_in: 300 });
    },
  };
}

export async function startStandIns(options: { verifySignatures?: boolean } = {}): Promise<StandIns> {
  const ca = makeCa();
  const caDir = tempDir('standin-ca');
  writeFileSync(join(caDir, 'ca.crt'), readFileSync(ca.certPath));
  const tls = makeServerCert(
    ca,
    Object.values(HOSTS).map((host) => `DNS:${host}`),
  );
  const secrets: StandInSecrets = {
    hub: { user: 'dcmtester', pat: `dckr_pat_${randomUUID()}` },
    ghcr: { user: 'octocat', pat: `ghp_${randomUUID().replace(/-/g, '')}` },
    ecrTokens: new Set(),
    acr: { appId: randomUUID(), appSecret: `sp-${randomUUID()}` },
    gar: {
      accessToken: `ya29.${randomUUID()}`,
      // A service-account key is a multi-line JSON document with a PEM key inside.
      jsonKey: `${JSON.stringify(
        {
          type: 'service_account',
          project_id: 'dcm-test',
          private_key_id: randomUUID(),
          private_key: `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(64)}\n${'B'.repeat(64)}\n-----END PRIVATE KEY-----\n`,
          client_email: 'pusher@dcm-test.iam.gserviceaccount.com',
        },
        null,
        2,
      )}`,
    },
    quay: { robot: 'dcmorg+ci_bot', token: `Q${randomUUID().replace(/-/g, '').toUpperCase()}` },
    nexus: { user: 'deployer', password: `nx-${randomUUID()}` },
    harbor: { robot: 'robot$ci-pusher', secret: `hb-${randomUUID()}` },
    gitlab: { deployUser: 'gitlab+deploy-token-42', deployToken: `gldt-${randomUUID()}` },
    cncf: { user: 'ci-robot', password: `cncf-${randomUUID()}` },
  };

  // Harbor and GitLab: the real CNCF registry in token mode, each with its own token service.
  const harborSigner = makeSigningCert();
  const harborIssuer = await startTokenIssuer({
    ...harborSigner,
    issuer: 'harbor-token-issuer',
    service: 'harbor-registry',
    path: '/service/token',
    refreshTokens: false,
    users: { [secrets.harbor.robot]: secrets.harbor.secret },
    // Harbor answers every refusal with the generic 401 (goharbor/harbor#9553).
    rejection: { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] } },
  });
  const gitlabSigner = makeSigningCert();
  const gitlabIssuer = await startTokenIssuer({
    ...gitlabSigner,
    issuer: 'gitlab-issuer',
    service: 'container_registry',
    path: '/jwt/auth',
    refreshTokens: false,
    users: {},
    rejection: {
      status: 401,
      body: {
        errors: [
          {
            code: 'UNAUTHORIZED',
            message:
              "HTTP Basic: Access denied. If a password was provided for Git authentication, the password was incorrect or you're required to use a token instead of a password.",
          },
        ],
      },
    },
    // A deploy token, or a job token (a JWT) until its exp.
    verify: (user, secret) => {
      if (user === secrets.gitlab.deployUser) return secret === secrets.gitlab.deployToken;
      if (user !== 'gitlab-ci-token') return false;
      const claims = /^glcbt-[^.]+\.([^.]+)\./.exec(secret)?.[1];
      if (!claims) return false;
      const { exp, iss } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { exp?: number; iss?: string };
      return iss === 'gitlab-standin' && typeof exp === 'number' && exp * 1000 > Date.now();
    },
  });
  const harborRegistry = await startRegistry(
    {},
    {
      token: {
        realm: `https://${HOSTS.harbor}/service/token`,
        service: 'harbor-registry',
        issuer: 'harbor-token-issuer',
        rootCertBundle: harborSigner.certPath,
      },
    },
  );
  const gitlabRegistry = await startRegistry(
    {},
    { token: { realm: `https://${HOSTS.gitlabAuth}/jwt/auth`, service: 'container_registry', issuer: 'gitlab-issuer', rootCertBundle: gitlabSigner.certPath } },
  );
  const cncfRegistry = await startRegistry({ [secrets.cncf.user]: secrets.cncf.password });
  const upstreams = new Map<string, string>([
    [HOSTS.harbor, harborRegistry.host],
    [`${HOSTS.harbor}/service/token`, new URL(harborIssuer.realm).host],
    [HOSTS.gitlab, gitlabRegistry.host],
    [HOSTS.gitlabAuth, new URL(gitlabIssuer.realm).host],
    [HOSTS.cncf, cncfRegistry.host],
  ]);

  const hub = bearer({
    realm: `https://${HOSTS.hubAuth}/token`,
    service: 'registry.docker.io',
    tokenPath: '/token',
    verify: (user, secret) => user === secrets.hub.user && secret === secrets.hub.pat,
    // Hub's token service: 401 "incorrect username or password", for an email address too.
    refuse: (reply) => reply(401, { details: 'incorrect username or password' }),
  });
  const ghcr = bearer({
    realm: `https://${HOSTS.ghcr}/token`,
    service: 'ghcr.io',
    tokenPath: '/token',
    // GHCR takes any username with a valid PAT.
    verify: (_user, secret) => secret === secrets.ghcr.pat,
    // Wrong and expired alike: 403 denied (docker/login-action#26).
    refuse: (reply) => reply(403, { errors: [{ code: 'DENIED', message: 'denied' }] }),
  });
  const ecrPublic = bearer({
    realm: `https://${HOSTS.ecrPublic}/token/`,
    service: 'public.ecr.aws',
    tokenPath: '/token/',
    verify: (user, secret) => user === 'AWS' && secrets.ecrTokens.has(secret) && ecrState(secret) === 'ok',
    refuse: (reply) => reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
  });
  // ECR Public answers an expired token with ECR's plain-text 403 (awslabs/eksdemo#68).
  const ecrPublicRefuse = (secret: string, res: ServerResponse, reply: Reply) =>
    secrets.ecrTokens.has(secret) && ecrState(secret) === 'expired'
      ? text(res, 403, 'Your authorization token has expired. Reauthenticate and try again.')
      : reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
  const acr = bearer({
    realm: `https://${HOSTS.acr}/oauth2/token`,
    service: HOSTS.acr,
    tokenPath: '/oauth2/token',
    // A service principal, or the zero GUID with an unexpired ACR refresh token (a JWT).
    verify: (user, secret) => (user === secrets.acr.appId && secret === secrets.acr.appSecret) || (user === ACR_ZERO_USER && acrTokenValid(secret)),
    refuse: (reply) =>
      reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required, visit https://aka.ms/acr/authorization for more information.' }] }),
  });
  const google = (host: string) =>
    bearer({
      realm: `https://${host}/v2/token`,
      service: host,
      tokenPath: '/v2/token',
      verify: (user, secret) =>
        (user === 'oauth2accesstoken' && secret === secrets.gar.accessToken) || (user === '_json_key' && secret === secrets.gar.jsonKey),
      refuse: (reply) => reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'Not Authorized.' }] }),
    });
  const gar = google(HOSTS.gar);
  const gcr = google(HOSTS.gcr);
  const quay = bearer({
    realm: `https://${HOSTS.quay}/v2/auth`,
    service: 'quay.io',
    tokenPath: '/v2/auth',
    // The robot's `+` must arrive intact, in Basic auth and in `account`.
    verify: (user, secret, query) => user === secrets.quay.robot && secret === secrets.quay.token && query.get('account') === user,
    refuse: (reply) => reply(401, { error: 'Invalid Username or Password' }),
  });
  const nexus = bearer({
    realm: `https://${HOSTS.nexus}/v2/token`,
    service: `https://${HOSTS.nexus}/v2/token`,
    tokenPath: '/v2/token',
    verify: (user, secret) => user === secrets.nexus.user && secret === secrets.nexus.password,
    refuse: (reply) => reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'access to the requested resource is not authorized' }] }),
  });
  const bearers = new Map<string, ReturnType<typeof bearer>>([
    [HOSTS.hub, hub],
    [HOSTS.hubAuth, hub],
    [HOSTS.ghcr, ghcr],
    [HOSTS.ecrPublic, ecrPublic],
    [HOSTS.acr, acr],
    [HOSTS.gar, gar],
    [HOSTS.gcr, gcr],
    [HOSTS.quay, quay],
    [HOSTS.nexus, nexus],
  ]);

  const requests: StandIns['requests'] = [];
  const googleTokens = createGoogleStandIn(secrets.gar.accessToken);
  const entra = createEntraStandIn();
  const aws = createAwsStandIn(secrets.ecrTokens, { verifySignatures: options.verifySignatures ?? true });
  const front = createHttpsServer({ cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    requests.push({ host, method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    const url = new URL(req.url ?? '/', `https://${host}`);
    const upstream = upstreams.get(`${host}${url.pathname}`) ?? upstreams.get(host);
    if (upstream) return forwardRequest(req, res, upstream);
    if (aws.handles(host)) return aws.handle(req, res);
    if (googleTokens.handles(host)) return googleTokens.handle(req, res);
    if (entra.handles(host)) return entra.handle(req, res);
    const reply = json(res, req.method ?? 'GET');
    if (host === HOSTS.ecr) return ecr(req, res, reply);
    if (host === HOSTS.acr && url.pathname === '/oauth2/exchange') return acrExchange(req, reply);
    const registry = bearers.get(host);
    if (!registry) return reply(404, { errors: [{ code: 'NOT_FOUND', message: 'no stand-in for this host' }] });
    if (url.pathname === '/v2/') return registry.ping(req, reply);
    if (url.pathname === registry.tokenPath) {
      if (host === HOSTS.ecrPublic) {
        const basic = basicOf(req);
        if (basic && !(basic.user === 'AWS' && secrets.ecrTokens.has(basic.secret) && ecrState(basic.secret) === 'ok'))
          return ecrPublicRefuse(basic.secret, res, reply);
      }
      return registry.token(req, url, reply, res);
    }
    if (url.pathname.startsWith('/v2/') && registry.authorized(req) && toBackend(host, req, res)) return;
    reply(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
  });

  /**
   * ECR: Basic auth, no token exchange (challenge `Basic realm=..., service="ecr.amazonaws.com"`).
   * Wrong: 401 `Not Authorized`; expired: 403 with the plain-text expiry sentence; a token
   * minted for another region: 400 Bad Request (aws/aws-cli#4962, #5317).
   */
  function ecr(req: IncomingMessage, res: ServerResponse, reply: Reply) {
    const basic = basicOf(req);
    if (!basic) {
      res.writeHead(401, { 'www-authenticate': `Basic realm="https://${HOSTS.ecr}/",service="ecr.amazonaws.com"`, 'content-type': 'text/plain' });
      return res.end('Not Authorized\n');
    }
    if (basic.user !== 'AWS' || !secrets.ecrTokens.has(basic.secret)) return text(res, 401, 'Not Authorized\n');
    const state = ecrState(basic.secret);
    if (state === 'expired') return text(res, 403, 'Your authorization token has expired. Reauthenticate and try again.');
    if (state === 'other-region') return text(res, 400, '');
    if (new URL(req.url ?? '/', 'https://x').pathname !== '/v2/' && toBackend(HOSTS.ecr, req, res)) return;
    reply(200, {});
  }

  /** Sends an authorized request on to the registry serving `host`'s images; false when there is none. */
  function toBackend(host: string, req: IncomingMessage, res: ServerResponse): boolean {
    const backend = standInsObject.imageBackends[host];
    if (!backend) return false;
    req.headers.authorization = backend.authorization;
    req.headers.host = backend.upstream;
    forwardRequest(req, res, backend.upstream);
    return true;
  }

  /** ACR's AAD exchange: an Entra access token for the registry's service, an ACR refresh token back. */
  function acrExchange(req: IncomingMessage, reply: Reply) {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'access_token' || form.get('service') !== HOSTS.acr)
        return reply(400, { errors: [{ code: 'UNSUPPORTED', message: 'grant_type access_token and this service only' }] });
      if (!entra.issued.has(form.get('access_token') ?? '') || (form.has('tenant') && form.get('tenant') !== entra.tenant))
        return reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'the access token is not valid for this registry' }] });
      reply(200, { refresh_token: acrToken(3) });
    });
  }

  function ecrState(secret: string): 'ok' | 'expired' | 'other-region' {
    const token = JSON.parse(Buffer.from(secret, 'base64').toString()) as { expiration: number; payload: string };
    if (token.expiration * 1000 <= Date.now() || (aws.acceptUntil.get(secret) ?? Number.POSITIVE_INFINITY) <= Date.now()) return 'expired';
    return token.payload.startsWith('eu-west-1:') ? 'ok' : 'other-region';
  }

  function acrTokenValid(secret: string): boolean {
    const claims = /^[^.]+\.([^.]+)\./.exec(secret)?.[1];
    if (!claims) return false;
    const { exp, iss } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { exp?: number; iss?: string };
    return iss === 'Azure Container Registry' && typeof exp === 'number' && exp * 1000 > Date.now();
  }

  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const frontPort = (front.address() as { port: number }).port;

  const proxy = await connectProxy(() => ({ host: '127.0.0.1', port: frontPort }));
  const proxyUrl = proxy.url;

  const closed = (server: { close(cb: () => void): unknown }) => new Promise<void>((resolve) => server.close(() => resolve()));
  const standInsObject: StandIns = {
    imageBackends: {},
    proxyUrl,
    caDir,
    secrets,
    aws,
    google: googleTokens,
    entra,
    requests,
    env: (base) => ({ ...base, HTTPS_PROXY: proxyUrl, https_proxy: proxyUrl, NO_PROXY: '', no_proxy: '' }),
    stop: async () => {
      front.closeAllConnections();
      await Promise.all([closed(front), proxy.stop()]);
      await Promise.all([harborRegistry, gitlabRegistry, cncfRegistry].map((r: RunningRegistry) => r.stop()));
      await Promise.all([harborIssuer, gitlabIssuer].map((i: TokenIssuer) => i.stop()));
    },
  };
  return standInsObject;
}

/** An ACR refresh token as `az acr login --expose-token` hands out: a JWT with `exp`. */
export const acrToken = (expHoursFromNow: number) =>
  jwt({ iss: 'Azure Container Registry', aud: HOSTS.acr, exp: Math.floor(Date.now() / 1000 + expHoursFromNow * 3600) });

/** A GitLab CI job token in its JWT form (`glcbt-` prefix). */
export const gitlabJobToken = (expHoursFromNow: number) =>
  `glcbt-${jwt({ iss: 'gitlab-standin', sub: 'job_1', exp: Math.floor(Date.now() / 1000 + expHoursFromNow * 3600) })}`;
