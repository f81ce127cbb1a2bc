/**
 * One conversation with a registry, as Docker, crane and regclient hold it
 * (docs/registry-auth.md): ping `GET /v2/`, read the challenge, then authorize
 * - Basic: the credentials themselves, on every request;
 * - Bearer: a token from the challenge's realm (GET with Basic auth, or POST with an OAuth2
 *   refresh-token form when an identity token is held), for the scopes asked for.
 * `dcm login`, `dcm check` and `dcm ratelimit` all go through it. Credentials go nowhere they
 * could leak: never over plain HTTP to a host outside this machine, never to a realm on another
 * host unless over HTTPS, never across a redirect to another origin (transport.ts).
 */
import { TOKEN_USERNAME } from '../docker/server-address.ts';
import { CredentialsRejected, NetworkError, RegistryError, TlsError, UnsafeRequest } from '../errors.ts';
import { parseChallenges, pickChallenge, type Challenge } from './challenge.ts';
import { hostname, isLoopback } from './endpoint.ts';
import { rejected, statusError } from './status-errors.ts';
import { RegistryHttp, type HttpOptions, type HttpResponse, type SendOptions } from './transport.ts';

export interface SessionOptions {
  /** `host[:port]` serving the v2 API (profiles.ts: `registry-1.docker.io` for Docker Hub). */
  host: string;
  /** A path the v2 API lives under (`/repository/hub` on Nexus or Artifactory mirrors); none by default. */
  basePath?: string;
  /** A password, or an identity (refresh) token when the username is `<token>`; none for anonymous. */
  credentials?: { username: string; secret: string };
  certDir?: string;
  insecure?: boolean;
  /**
   * The registry is named by an `http://` URL (a mirror): it is spoken to in plain HTTP on its
   * own port, as the daemon does, and HTTPS is never tried. Unlike `insecure`, this changes no
   * certificate check: a token realm or a redirect elsewhere is still verified.
   */
  plainHttp?: boolean;
  timeoutMs: number;
  env: HttpOptions['env'];
  certsD?: string;
  /** Statuses besides 401 and 403 that mean refused credentials here (profiles.ts: ECR's 400). */
  rejectionStatuses?: readonly number[];
}

/** What a request needs to be authorized, and what the token service gave back. */
export interface Authorization {
  /** `none`: the registry let us in anonymously (proving nothing about credentials). */
  scheme: 'none' | 'basic' | 'bearer';
  headers: Record<string, string>;
  /** A refresh token the token service returned: Docker keeps it instead of the password. */
  identityToken?: string;
}

const CLIENT_ID = 'dcm';

export class RegistrySession {
  readonly host: string;
  /** The registry named, at the scheme that answered (see {@link pingRegistry}). */
  readonly base: URL;
  readonly ping: HttpResponse;
  readonly #http: RegistryHttp;
  readonly #credentials: SessionOptions['credentials'];
  readonly #rejectionStatuses: readonly number[];

  private constructor(http: RegistryHttp, ping: { response: HttpResponse; base: URL }, options: SessionOptions) {
    this.host = options.host;
    this.#http = http;
    this.ping = ping.response;
    this.base = ping.base;
    this.#credentials = options.credentials;
    this.#rejectionStatuses = options.rejectionStatuses ?? [];
  }

  /** Opens the conversation with a ping. Close it with {@link close}. */
  static async open(options: SessionOptions): Promise<RegistrySession> {
    const http = new RegistryHttp({ ...options, secrets: options.credentials ? [options.credentials.secret] : [] });
    try {
      return new RegistrySession(http, await pingRegistry(http, options.host, options), options);
    } catch (error) {
      await http.close();
      throw error;
    }
  }

  /** True when `/v2/` answered 200 without credentials. */
  get anonymous(): boolean {
    return this.ping.status === 200;
  }

  /** The challenge the ping answered with (undefined for an anonymous registry). */
  get challenge(): Challenge | undefined {
    return this.anonymous ? undefined : pickChallenge(parseChallenges(this.ping.headers['www-authenticate']));
  }

  /** Headers that authorize requests for `scopes` (`repository:<name>:pull`, ...). */
  async authorize(scopes: string[]): Promise<Authorization> {
    if (this.anonymous) return { scheme: 'none', headers: {} };
    const challenge = this.challenge;
    if (!challenge) throw new RegistryError(`${this.host} answered 401 without a Basic or Bearer challenge; it does not look like a registry`);
    const credentials = this.#credentials;
    if (challenge.scheme === 'basic') {
      if (!credentials) throw new CredentialsRejected(`${this.host} needs a username and password (Basic auth)`);
      if (credentials.username === TOKEN_USERNAME)
        throw new CredentialsRejected(`${this.base.host} uses Basic auth, which does not take an identity token; log in with a username and password`);
      refuseCleartext(this.base, this.base.host);
      return { scheme: 'basic', headers: { authorization: basic(credentials.username, credentials.secret) } };
    }
    const token = await fetchToken(this.#http, this.base, challenge, credentials, scopes, this.#rejectionStatuses);
    return { scheme: 'bearer', headers: { authorization: `Bearer ${token.token}` }, ...(token.refreshToken ? { identityToken: token.refreshToken } : {}) };
  }

  /** A request to a path of the registry (`/v2/...`, under its base path), with the headers of an {@link Authorization}. */
  send(path: string, options: SendOptions = {}): Promise<HttpResponse> {
    return this.#http.send(new URL(path.replace(/^\/v2\//, this.base.pathname), this.base), options);
  }

  /** The error for a final answer that is not 200, in this registry's terms. */
  statusError(response: HttpResponse): Error {
    return statusError(response, this.base.host, 'login', this.#rejectionStatuses);
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}

/** Opens a session, runs `use`, and closes it whatever happens. */
export async function withSession<T>(options: SessionOptions, use: (session: RegistrySession) => Promise<T>): Promise<T> {
  const session = await RegistrySession.open(options);
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

/**
 * `GET /v2/` without credentials, HTTPS first. Plain HTTP is tried next only for a loopback host
 * whose port does not speak TLS (Docker treats 127.0.0.0/8 and ::1 as insecure registries), or
 * after any HTTPS failure with --insecure. A certificate problem on a loopback host is reported,
 * not silently downgraded.
 *
 * `base` is the registry the user named, at the scheme that answered: never the origin a
 * redirect of the ping led to. Credentials go to the registry named (and its token realm, under
 * the realm rules), as Docker sends them to the endpoint it configured, wherever `/v2/` redirects.
 */
async function pingRegistry(
  http: RegistryHttp,
  host: string,
  options: Pick<SessionOptions, 'insecure' | 'basePath' | 'plainHttp'>,
): Promise<{ response: HttpResponse; base: URL }> {
  let response: HttpResponse;
  const path = `${(options.basePath ?? '').replace(/\/+$/, '')}/v2/`;
  let base = new URL(`${options.plainHttp ? 'http' : 'https'}://${host}${path}`);
  try {
    if (options.plainHttp) return answered(await http.send(base), base, host);
    response = await http.send(base);
  } catch (error) {
    const noTls = error instanceof TlsError && error.kind === 'not-tls';
    const fallBack = options.insecure ? error instanceof TlsError || error instanceof NetworkError : noTls && isLoopback(host);
    if (!fallBack) throw error;
    base = new URL(`http://${host}${path}`);
    response = await http.send(base);
  }
  return answered(response, base, host);
}

function answered(response: HttpResponse, base: URL, host: string): { response: HttpResponse; base: URL } {
  if (response.status === 200 || response.status === 401) return { response, base };
  throw statusError(response, host, 'ping');
}

/**
 * Asks the challenge's realm for a token: GET with Basic auth and `offline_token=true` (so the
 * service may return a refresh token, as Docker asks), or, holding an identity token, POST an
 * OAuth2 refresh-token form. Without credentials, an anonymous GET.
 */
async function fetchToken(
  http: RegistryHttp,
  base: URL,
  challenge: Challenge,
  credentials: { username: string; secret: string } | undefined,
  scopes: string[],
  rejectionStatuses: readonly number[],
): Promise<{ token: string; refreshToken?: string }> {
  const realm = realmUrl(challenge, base);
  const service = challenge.params.service ?? '';
  const identity = credentials?.username === TOKEN_USERNAME;
  let reply: HttpResponse;
  if (credentials && identity) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.secret, service, client_id: CLIENT_ID, access_type: 'offline' });
    // OAuth2 takes the scopes once, space-separated.
    if (scopes.length > 0) form.set('scope', scopes.join(' '));
    reply = await http.send(realm, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  } else {
    const url = withQuery(realm, { service, client_id: CLIENT_ID, ...(credentials ? { account: credentials.username, offline_token: 'true' } : {}) });
    for (const scope of scopes) url.searchParams.append('scope', scope);
    reply = await http.send(url, credentials ? { headers: { authorization: basic(credentials.username, credentials.secret) } } : {});
  }
  // An OAuth2 server answers a bad refresh token with 400 invalid_grant.
  if (identity && reply.status === 400) throw rejected(reply, base.host, 'the token service refused the identity token');
  if (reply.status !== 200) throw statusError(reply, realm.host, 'token', rejectionStatuses, base.host);
  return parseTokenReply(reply, realm.host);
}

/**
 * The token realm, resolved against the registry URL. A realm on another host must be HTTPS;
 * plain HTTP is accepted only for a loopback realm on the registry's own host name.
 */
export function realmUrl(challenge: Challenge, base: URL): URL {
  const raw = challenge.params.realm;
  if (!raw) throw new RegistryError(`${base.host} sent a Bearer challenge without a realm`);
  let realm: URL;
  try {
    realm = new URL(raw, base);
  } catch {
    throw new RegistryError(`${base.host} sent a Bearer challenge with an invalid realm`);
  }
  if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new UnsafeRequest(`refusing the token realm ${realm.origin}: only https is allowed`);
  const sameHost = hostname(realm.host) === hostname(base.host);
  if (realm.protocol === 'http:' && !(sameHost && isLoopback(realm.host))) {
    throw new UnsafeRequest(
      `refusing to send credentials to the token realm ${realm.origin} over plain HTTP${sameHost ? '' : ' on another host'}; the realm must use HTTPS`,
    );
  }
  if (realm.username || realm.password) throw new UnsafeRequest('refusing a token realm that carries credentials in its URL');
  return realm;
}

function refuseCleartext(url: URL, host: string): void {
  if (url.protocol === 'http:' && !isLoopback(host)) {
    throw new UnsafeRequest(`refusing to send credentials to ${host} over plain HTTP; registries outside this machine must use HTTPS`);
  }
}

function parseTokenReply(reply: HttpResponse, host: string): { token: string; refreshToken?: string } {
  let parsed: { token?: unknown; access_token?: unknown; refresh_token?: unknown };
  try {
    parsed = JSON.parse(reply.body) as typeof parsed;
  } catch {
    throw new RegistryError(`the token service at ${host} did not answer with JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new RegistryError(`the token service at ${host} did not answer with a JSON object`);
  // `token` and `access_token` mean the same; clients copy one to the other.
  const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : typeof parsed.access_token === 'string' ? parsed.access_token : '';
  if (!token) throw new RegistryError(`the token service at ${host} returned no token`);
  return { token, ...(typeof parsed.refresh_token === 'string' && parsed.refresh_token ? { refreshToken: parsed.refresh_token } : {}) };
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function withQuery(url: URL, params: Record<string, string>): URL {
  const result = new URL(url);
  for (const [key, value] of Object.entries(params)) if (value !== '') result.searchParams.set(key, value);
  return result;
}
