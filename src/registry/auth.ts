/**
 * Does this login work? The flow Docker, crane and regclient follow
 * (../shared/reference/registry-auth.md §1): ping `GET /v2/`, read the challenge, then
 * - Basic: `GET /v2/` again with the credentials;
 * - Bearer: ask the realm for a token (GET with Basic auth, or POST with an OAuth2 refresh-token
 *   form when an identity token is held), then `GET /v2/` with it.
 * Only a final 200 counts. Credentials go nowhere they could leak: never over plain HTTP to a
 * host outside this machine, never to a realm on another host unless over HTTPS, never across a
 * redirect to another origin (http.ts).
 */
import { CredentialsRejected, NetworkError, RegistryError, TlsError, UnsafeRequest } from '../errors.ts';
import { TOKEN_USERNAME } from '../helper/protocol.ts';
import { parseChallenges, pickChallenge, type Challenge } from './challenge.ts';
import { apiHost, hostname, isLoopback } from './endpoint.ts';
import { RegistryHttp, sanitizeRegistryText, type HttpOptions, type HttpResponse } from './http.ts';

export interface LoginCheck {
  /** Canonical server key (registry/server-url.ts). */
  server: string;
  username: string;
  /** A password, or an identity (refresh) token when username is `<token>`. */
  secret: string;
  certDir?: string;
  insecure?: boolean;
  timeoutMs: number;
  env: HttpOptions['env'];
  certsD?: string;
}

export interface LoginCheckResult {
  /** The URL that answered `/v2/`. */
  endpoint: string;
  /** How the registry authenticates; `none` means it let us in anonymously, proving nothing. */
  auth: 'basic' | 'bearer' | 'none';
  /** A refresh token the token service returned: Docker keeps it instead of the password. */
  identityToken?: string;
}

const CLIENT_ID = 'dcm';

export async function checkLogin(check: LoginCheck): Promise<LoginCheckResult> {
  const host = apiHost(check.server);
  const http = new RegistryHttp({ host, certDir: check.certDir, insecure: check.insecure, timeoutMs: check.timeoutMs, env: check.env, certsD: check.certsD, secrets: [check.secret] });
  try {
    const { response: ping, base } = await pingRegistry(http, host, check);
    if (ping.status === 200) return { endpoint: base.href, auth: 'none' };
    const challenge = pickChallenge(parseChallenges(ping.headers['www-authenticate']));
    if (!challenge) throw new RegistryError(`${host} answered 401 without a Basic or Bearer challenge; it does not look like a registry`);
    if (challenge.scheme === 'basic') return await basicLogin(http, base, check);
    return await bearerLogin(http, base, challenge, check);
  } finally {
    await http.close();
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
export async function pingRegistry(http: RegistryHttp, host: string, check: Pick<LoginCheck, 'insecure'>): Promise<{ response: HttpResponse; base: URL }> {
  let response: HttpResponse;
  let base = new URL(`https://${host}/v2/`);
  try {
    response = await http.send(base);
  } catch (error) {
    const noTls = error instanceof TlsError && error.kind === 'not-tls';
    const fallBack = check.insecure ? error instanceof TlsError || error instanceof NetworkError : noTls && isLoopback(host);
    if (!fallBack) throw error;
    base = new URL(`http://${host}/v2/`);
    response = await http.send(base);
  }
  if (response.status === 200 || response.status === 401) return { response, base };
  throw statusError(response, host, 'ping');
}

async function basicLogin(http: RegistryHttp, base: URL, check: LoginCheck): Promise<LoginCheckResult> {
  if (check.username === TOKEN_USERNAME) throw new CredentialsRejected(`${base.host} uses Basic auth, which does not take an identity token; log in with a username and password`);
  refuseCleartext(base, base.host);
  const response = await http.send(base, { headers: { authorization: basic(check.username, check.secret) } });
  if (response.status === 200) return { endpoint: base.href, auth: 'basic' };
  throw statusError(response, base.host, 'login');
}

async function bearerLogin(http: RegistryHttp, base: URL, challenge: Challenge, check: LoginCheck): Promise<LoginCheckResult> {
  const token = await fetchToken(http, base, challenge, { username: check.username, secret: check.secret }, []);
  const response = await http.send(base, { headers: { authorization: `Bearer ${token.token}` } });
  if (response.status !== 200) throw statusError(response, base.host, 'login');
  return { endpoint: base.href, auth: 'bearer', ...(token.refreshToken ? { identityToken: token.refreshToken } : {}) };
}

/**
 * Asks the challenge's realm for a token: GET with Basic auth and `offline_token=true` (so the
 * service may return a refresh token, as Docker asks), or, holding an identity token, POST an
 * OAuth2 refresh-token form. Without credentials, an anonymous GET.
 */
export async function fetchToken(
  http: RegistryHttp,
  base: URL,
  challenge: Challenge,
  credentials: { username: string; secret: string } | undefined,
  scopes: string[],
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
  if (reply.status === 401 || reply.status === 403 || (identity && reply.status === 400)) {
    throw new CredentialsRejected(`${base.host}: ${registryMessage(reply) ?? 'the token service refused the credentials'} (wrong ${identity ? 'or expired identity token' : 'username or password'})`);
  }
  if (reply.status !== 200) throw statusError(reply, realm.host, 'token');
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
    throw new UnsafeRequest(`refusing to send credentials to the token realm ${realm.origin} over plain HTTP${sameHost ? '' : ' on another host'}; the realm must use HTTPS`);
  }
  if (realm.username || realm.password) throw new UnsafeRequest('refusing a token realm that carries credentials in its URL');
  return realm;
}

export function refuseCleartext(url: URL, host: string): void {
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
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RegistryError(`the token service at ${host} did not answer with a JSON object`);
  // `token` and `access_token` mean the same; clients copy one to the other.
  const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : typeof parsed.access_token === 'string' ? parsed.access_token : '';
  if (!token) throw new RegistryError(`the token service at ${host} returned no token`);
  return { token, ...(typeof parsed.refresh_token === 'string' && parsed.refresh_token ? { refreshToken: parsed.refresh_token } : {}) };
}

export function statusError(response: HttpResponse, host: string, stage: 'ping' | 'login' | 'token'): Error {
  const status = response.status;
  const detail = registryMessage(response);
  if ((status === 401 || status === 403) && stage !== 'ping') {
    // GHCR answers bad credentials with 403 "denied", most registries with 401.
    return new CredentialsRejected(`${host}: ${detail ?? 'unauthorized'} (wrong username or password)`);
  }
  if (status === 429) return new RegistryError(`${host} is rate limiting requests (HTTP 429); retry later`);
  if (status >= 500) return new RegistryError(`${host} is failing (HTTP ${status}${detail ? `: ${detail}` : ''}); the registry may be down, retry later`);
  if (stage === 'token') return new RegistryError(`the token service at ${host} answered HTTP ${status}`);
  return new RegistryError(`${host} is not a registry: GET ${response.url.pathname} answered HTTP ${status}${stage === 'ping' ? ' (a registry answers 200 or 401)' : ''}`);
}

/**
 * The registry's own error text (`{"errors":[{"code","message"}]}`), made safe to print: one
 * line, bounded, and never quoting a credential this conversation sent (sanitizeRegistryText).
 */
export function registryMessage(response: HttpResponse): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { errors, details, error } = parsed as { errors?: unknown; details?: unknown; error?: unknown };
  const first = Array.isArray(errors) ? (errors[0] as { code?: unknown; message?: unknown } | undefined) : undefined;
  const text =
    first && typeof first === 'object'
      ? [typeof first.code === 'string' ? first.code.toLowerCase() : '', typeof first.message === 'string' ? first.message : ''].filter(Boolean).join(': ')
      : typeof details === 'string'
        ? details
        : typeof error === 'string'
          ? error
          : '';
  const safe = sanitizeRegistryText(text, response.secrets);
  return safe === '' ? undefined : safe;
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function withQuery(url: URL, params: Record<string, string>): URL {
  const result = new URL(url);
  for (const [key, value] of Object.entries(params)) if (value !== '') result.searchParams.set(key, value);
  return result;
}
