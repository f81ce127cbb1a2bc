/**
 * `--provider gcp` (Artifact Registry `*-docker.pkg.dev`, `gcr.io` and its regional hosts): an
 * OAuth access token from Application Default Credentials, found as Google's client libraries
 * find them: GOOGLE_APPLICATION_CREDENTIALS, else gcloud's ADC file
 * (`gcloud auth application-default login`), else the metadata server (GCE_METADATA_HOST). The
 * file may be an `authorized_user` (a refresh token), a `service_account` key (an RS256 JWT sent
 * to its own `token_uri`), or an `external_account` (workload identity federation: a subject
 * token from a file or URL exchanged at Google's STS, then optionally impersonating a service
 * account). The username is `oauth2accesstoken`. test/integration/gcp-provider.test.ts has
 * google-auth-library get its tokens from the same stand-ins first.
 */
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MintFailed } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import { cloudRequest } from './http.ts';
import { gcloudAdcFile } from './identity.ts';
import { ciIdToken } from './oidc.ts';
import type { MintRequest, MintedToken, Provider } from './provider.ts';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const METADATA_STEP_MS = 1500;

interface AccessToken {
  token: string;
  expiresAt: number;
  identity: string;
}

type Credentials = Record<string, unknown>;

/** A token endpoint's JSON answer: the access token and when it ends, or its error in one line. Pure. */
export function parseTokenReply(status: number, body: string, what: string, now: number): { token: string; expiresAt: number } {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    // Not JSON: the status says it.
  }
  if (status !== 200) {
    const error = typeof parsed.error === 'string' ? parsed.error : `HTTP ${status}`;
    const description = typeof parsed.error_description === 'string' ? `: ${parsed.error_description}` : '';
    throw new MintFailed(`gcp: ${what} refused: ${error}${description}`, { code: status >= 500 ? 'network' : 'credentials' });
  }
  const token = parsed.access_token ?? parsed.accessToken;
  if (typeof token !== 'string' || token === '') throw new MintFailed(`gcp: ${what} answered without an access token`, { code: 'failure' });
  const expiresIn = Number(parsed.expires_in ?? Number.NaN);
  const expireTime = typeof parsed.expireTime === 'string' ? Date.parse(parsed.expireTime) : Number.NaN;
  return { token, expiresAt: Number.isFinite(expireTime) ? expireTime : now + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000 };
}

/** The RS256 JWT a service-account key signs for its token endpoint. Pure but for the key. */
export function serviceAccountAssertion(key: { client_email: string; private_key: string; private_key_id?: string }, audience: string, now: number): string {
  const iat = Math.floor(now / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) });
  const claims = encode({ iss: key.client_email, scope: SCOPE, aud: audience, iat, exp: iat + 3600 });
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key.private_key, 'base64url');
  return `${header}.${claims}.${signature}`;
}

async function post(url: string, form: Record<string, string>, request: MintRequest, what: string, headers: Record<string, string> = {}) {
  const target = new URL(url);
  const response = await cloudRequest({
    method: 'POST',
    url: target,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(form).toString(),
    env: request.env,
    deadline: request.deadline,
    what: `${what} (${target.host})`,
  });
  return parseTokenReply(response.status, response.body, `${what} (${target.host})`, Date.now());
}

function readCredentials(path: string): Credentials {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MintFailed(
      `gcp: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? error}); fix GOOGLE_APPLICATION_CREDENTIALS, or run: gcloud auth application-default login`,
      {
        code: 'usage',
      },
    );
  }
  try {
    return JSON.parse(text) as Credentials;
  } catch {
    throw new MintFailed(`gcp: ${path} is not JSON (a service-account key, an authorized_user or an external_account file)`, { code: 'usage' });
  }
}

async function fromFile(path: string, request: MintRequest): Promise<AccessToken> {
  const credentials = readCredentials(path);
  switch (credentials.type) {
    case 'service_account': {
      const key = credentials as unknown as { client_email: string; private_key: string; private_key_id?: string; token_uri?: string };
      if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string')
        throw new MintFailed(`gcp: ${path} has no client_email and private_key`, { code: 'usage' });
      const audience = key.token_uri ?? GOOGLE_TOKEN_URI;
      const assertion = serviceAccountAssertion(key, audience, Date.now());
      const token = await post(
        audience,
        { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
        request,
        `the token endpoint for ${key.client_email}`,
      );
      return { ...token, identity: `service account ${key.client_email}` };
    }
    case 'authorized_user': {
      const { client_id, client_secret, refresh_token } = credentials as Record<string, string>;
      if (!client_id || !client_secret || !refresh_token)
        throw new MintFailed(`gcp: ${path} lacks client_id, client_secret or refresh_token`, { code: 'usage' });
      const uri = typeof credentials.token_uri === 'string' ? credentials.token_uri : GOOGLE_TOKEN_URI;
      const token = await post(
        uri,
        { grant_type: 'refresh_token', client_id, client_secret, refresh_token },
        request,
        'the token endpoint for your gcloud login',
      );
      const account = typeof credentials.account === 'string' && credentials.account ? credentials.account : `client ${client_id.slice(0, 12)}…`;
      return { ...token, identity: `user ${account}` };
    }
    case 'external_account':
      return externalAccount(credentials, path, request);
    default:
      throw new MintFailed(`gcp: ${path} is of type ${JSON.stringify(credentials.type)}; dcm reads service_account, authorized_user and external_account`, {
        code: 'usage',
      });
  }
}

/** The subject token an external_account names: a file, or a URL (with headers, maybe a JSON field); or, for --oidc, the job's own. */
async function subjectToken(source: Record<string, unknown>, request: MintRequest): Promise<string> {
  if (typeof source.token === 'string') return source.token;
  const format = (source.format ?? {}) as { type?: string; subject_token_field_name?: string };
  const pick = (text: string) => {
    if (format.type !== 'json') return text.trim();
    const value = (JSON.parse(text) as Record<string, unknown>)[format.subject_token_field_name ?? ''];
    if (typeof value !== 'string') throw new MintFailed(`gcp: the subject token has no field ${format.subject_token_field_name}`, { code: 'failure' });
    return value;
  };
  if (typeof source.file === 'string') {
    try {
      return pick(readFileSync(source.file, 'utf8'));
    } catch (error) {
      if (error instanceof MintFailed) throw error;
      throw new MintFailed(`gcp: the subject token file ${source.file} cannot be read`, { code: 'usage' });
    }
  }
  if (typeof source.url === 'string') {
    const url = new URL(source.url);
    const response = await cloudRequest({
      method: 'GET',
      url,
      headers: (source.headers ?? {}) as Record<string, string>,
      env: request.env,
      deadline: request.deadline,
      what: `the subject token URL (${url.host})`,
    });
    if (response.status !== 200) throw new MintFailed(`gcp: the subject token URL ${url.host} answered HTTP ${response.status}`);
    return pick(response.body);
  }
  throw new MintFailed('gcp: the external_account credential_source has neither file nor url (executable and aws sources are not supported by dcm)', {
    code: 'usage',
  });
}

async function externalAccount(credentials: Credentials, path: string, request: MintRequest): Promise<AccessToken> {
  const audience = String(credentials.audience ?? '');
  const tokenUrl = typeof credentials.token_url === 'string' ? credentials.token_url : 'https://sts.googleapis.com/v1/token';
  const subject = await subjectToken((credentials.credential_source ?? {}) as Record<string, unknown>, request);
  const federated = await post(
    tokenUrl,
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience,
      scope: SCOPE,
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token_type: String(credentials.subject_token_type ?? 'urn:ietf:params:oauth:token-type:jwt'),
      subject_token: subject,
    },
    request,
    'Google STS',
  );
  const impersonate = credentials.service_account_impersonation_url;
  if (typeof impersonate !== 'string') return { ...federated, identity: `workload identity ${audience.replace(/^\/\/iam\.googleapis\.com\//, '')}` };
  const url = new URL(impersonate);
  const response = await cloudRequest({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${federated.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: [SCOPE] }),
    env: request.env,
    deadline: request.deadline,
    what: `IAM credentials (${url.host})`,
  });
  const token = parseTokenReply(response.status, response.body, `IAM generateAccessToken (${url.host})`, Date.now());
  const account = /serviceAccounts\/([^:/]+)/.exec(url.pathname)?.[1] ?? 'a service account';
  return { ...token, identity: `workload identity as ${decodeURIComponent(account)} (${path})` };
}

async function fromMetadata(env: Env, request: MintRequest): Promise<AccessToken> {
  const host = env.GCE_METADATA_HOST || env.GCE_METADATA_IP || 'metadata.google.internal';
  const url = new URL(`http://${host}/computeMetadata/v1/instance/service-accounts/default/token`);
  const response = await cloudRequest({
    method: 'GET',
    url,
    headers: { 'metadata-flavor': 'Google' },
    env,
    deadline: request.deadline,
    timeoutMs: METADATA_STEP_MS,
    direct: true,
    what: `the metadata server (${host})`,
  });
  const token = parseTokenReply(response.status, response.body, `the metadata server (${host})`, Date.now());
  return { ...token, identity: `the metadata server's default service account (${host})` };
}

/**
 * --oidc: workload identity federation with the CI job's token (audience: the provider's
 * resource name, as google-github-actions/auth asks for it), then the service account's token.
 */
async function fromCiJob(request: MintRequest): Promise<AccessToken> {
  const { binding } = request;
  if (!binding.audience)
    throw new MintFailed(
      `gcp: --oidc needs the workload identity provider: dcm login ${binding.pattern} --provider gcp --oidc ${binding.oidc} --audience //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`,
      { code: 'usage' },
    );
  const token = await ciIdToken(binding.oidc!, `https:${binding.audience.replace(/^https:/, '')}`, request.env, request.deadline);
  return externalAccount(
    {
      type: 'external_account',
      audience: binding.audience,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      ...(binding.serviceAccount
        ? {
            service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${encodeURIComponent(binding.serviceAccount)}:generateAccessToken`,
          }
        : {}),
      credential_source: { token },
    },
    `${binding.oidc} OIDC`,
    request,
  );
}

export const gcpProvider: Provider = {
  async mint(request: MintRequest): Promise<MintedToken> {
    const { env } = request;
    if (request.binding.oidc) {
      const token = await fromCiJob(request);
      return { username: 'oauth2accesstoken', secret: token.token, expiresAt: token.expiresAt, identity: token.identity };
    }
    const file = env.GOOGLE_APPLICATION_CREDENTIALS || gcloudAdcFile(env);
    let token: AccessToken;
    if (env.GOOGLE_APPLICATION_CREDENTIALS || file) token = await fromFile(file!, request);
    else {
      try {
        token = await fromMetadata(env, request);
      } catch (error) {
        throw new MintFailed(
          `gcp: no Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS is not set, gcloud has no ADC file, and the metadata server did not answer (${(error as Error).message}); run: gcloud auth application-default login`,
        );
      }
    }
    return { username: 'oauth2accesstoken', secret: token.token, expiresAt: token.expiresAt, identity: token.identity };
  },
};
