/**
 * `--provider azure` (`*.azurecr.io` and the sovereign clouds' `.azurecr.cn`, `.azurecr.us`):
 * an Entra token for ACR's audience, exchanged at the registry's `/oauth2/exchange` for an ACR
 * refresh token, used as `az acr login --expose-token` hands it out (the zero GUID as username).
 * The Entra token comes, as Azure's SDKs find it, from the first that is there:
 * 1. a service principal: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET;
 * 2. workload identity: AZURE_FEDERATED_TOKEN_FILE (AKS, or a CI job's OIDC token) with
 *    AZURE_CLIENT_ID and AZURE_TENANT_ID, as a client assertion;
 * 3. managed identity: IDENTITY_ENDPOINT with IDENTITY_HEADER (App Service, Container Apps, Arc),
 *    else IMDS (`AZURE_IMDS_ENDPOINT` moves it), a short deadline;
 * 4. the Azure CLI's login: `az account get-access-token`.
 * AZURE_AUTHORITY_HOST moves Entra (sovereign clouds, test stand-ins).
 */
import { readFileSync } from 'node:fs';
import { MintFailed } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import { ProcessFailure, runProcess } from '../platform/process.ts';
import { jwtExpiry } from '../registry/expiry.ts';
import { cloudRequest } from './http.ts';
import { ciIdToken } from './oidc.ts';
import type { MintRequest, MintedToken, Provider } from './provider.ts';

export const ACR_USERNAME = '00000000-0000-0000-0000-000000000000';
const ACR_SCOPE = 'https://containerregistry.azure.net/.default';
const IMDS_STEP_MS = 1500;

interface EntraToken {
  token: string;
  tenant?: string;
  identity: string;
}

function authority(env: Env): string {
  return (env.AZURE_AUTHORITY_HOST || 'https://login.microsoftonline.com').replace(/\/+$/, '');
}

/** Entra's answer ({access_token} or {error, error_description}), or MSAL's error in one line. Pure. */
export function parseEntraReply(status: number, body: string, what: string): string {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    // Not JSON: the status says it.
  }
  if (status !== 200 || typeof parsed.access_token !== 'string') {
    const error = typeof parsed.error === 'string' ? parsed.error : `HTTP ${status}`;
    // Entra's descriptions carry trace and correlation ids on further lines: the first says it.
    const description = typeof parsed.error_description === 'string' ? `: ${parsed.error_description.split(/\r?\n/)[0]}` : '';
    throw new MintFailed(`azure: ${what} refused: ${error}${description}`, { code: status >= 500 ? 'network' : 'credentials' });
  }
  return parsed.access_token;
}

async function entraToken(tenant: string, form: Record<string, string>, request: MintRequest, what: string): Promise<string> {
  const url = new URL(`${authority(request.env)}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`);
  const response = await cloudRequest({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ scope: ACR_SCOPE, ...form }).toString(),
    env: request.env,
    deadline: request.deadline,
    what: `Entra (${url.host})`,
  });
  return parseEntraReply(response.status, response.body, `Entra (${url.host}) for ${what}`);
}

async function managedIdentity(request: MintRequest): Promise<EntraToken> {
  const { env } = request;
  // App Service, Container Apps and Arc name their endpoint and its secret header; VMs and AKS have IMDS.
  const hosted = env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER;
  const url = hosted ? new URL(env.IDENTITY_ENDPOINT!) : new URL('/metadata/identity/oauth2/token', env.AZURE_IMDS_ENDPOINT || 'http://169.254.169.254');
  url.searchParams.set('api-version', hosted ? '2019-08-01' : '2018-02-01');
  url.searchParams.set('resource', 'https://containerregistry.azure.net');
  if (env.AZURE_CLIENT_ID) url.searchParams.set('client_id', env.AZURE_CLIENT_ID);
  const what = hosted ? `managed identity (${url.host})` : `IMDS (${url.host})`;
  const response = await cloudRequest({
    method: 'GET',
    url,
    headers: hosted ? { 'x-identity-header': env.IDENTITY_HEADER! } : { metadata: 'true' },
    env,
    deadline: request.deadline,
    ...(hosted ? {} : { timeoutMs: IMDS_STEP_MS }),
    direct: true,
    what,
  });
  const identity = hosted ? what : `managed identity${env.AZURE_CLIENT_ID ? ` ${env.AZURE_CLIENT_ID}` : ''} (IMDS)`;
  return { token: parseEntraReply(response.status, response.body, what), identity };
}

async function azureCli(request: MintRequest): Promise<EntraToken> {
  let result: Awaited<ReturnType<typeof runProcess>>;
  try {
    result = await runProcess('az', ['account', 'get-access-token', '--resource', 'https://containerregistry.azure.net', '--output', 'json'], {
      env: request.env,
      timeoutMs: Math.max(1, request.deadline - Date.now()),
    });
  } catch (error) {
    throw new MintFailed(`azure: ${error instanceof ProcessFailure ? error.message : String(error)}`, { code: 'failure' });
  }
  if (result.code !== 0)
    throw new MintFailed(
      `azure: az account get-access-token exited ${result.code}: ${result.stderr.trim().split('\n')[0]?.slice(0, 200) ?? ''}; log in with: az login`,
    );
  const parsed = JSON.parse(result.stdout.toString('utf8')) as { accessToken?: string; tenant?: string };
  if (!parsed.accessToken) throw new MintFailed('azure: az account get-access-token printed no accessToken', { code: 'failure' });
  return { token: parsed.accessToken, tenant: parsed.tenant, identity: 'the Azure CLI login' };
}

/** --oidc: the CI job's token as the client assertion of an app whose federated credential trusts the job. */
async function fromCiJob(request: MintRequest): Promise<EntraToken> {
  const { binding } = request;
  if (!binding.tenant || !binding.clientId)
    throw new MintFailed(
      `azure: --oidc needs the app: dcm login ${binding.pattern} --provider azure --oidc ${binding.oidc} --tenant TENANT_ID --client-id CLIENT_ID`,
      { code: 'usage' },
    );
  const assertion = await ciIdToken(binding.oidc!, 'api://AzureADTokenExchange', request.env, request.deadline);
  const form = {
    grant_type: 'client_credentials',
    client_id: binding.clientId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  };
  const token = await entraToken(binding.tenant, form, request, `${binding.oidc} OIDC as ${binding.clientId}`);
  return { token, tenant: binding.tenant, identity: `${binding.oidc} OIDC as app ${binding.clientId} (tenant ${binding.tenant})` };
}

/** The Entra token, from the first source the environment names. */
async function entra(request: MintRequest): Promise<EntraToken> {
  const { env } = request;
  if (request.binding.oidc) return fromCiJob(request);
  const tenant = env.AZURE_TENANT_ID;
  const clientId = env.AZURE_CLIENT_ID;
  if (tenant && clientId && env.AZURE_CLIENT_SECRET) {
    const token = await entraToken(
      tenant,
      { grant_type: 'client_credentials', client_id: clientId, client_secret: env.AZURE_CLIENT_SECRET },
      request,
      `service principal ${clientId}`,
    );
    return { token, tenant, identity: `service principal ${clientId} (tenant ${tenant})` };
  }
  if (tenant && clientId && env.AZURE_FEDERATED_TOKEN_FILE) {
    let assertion: string;
    try {
      assertion = readFileSync(env.AZURE_FEDERATED_TOKEN_FILE, 'utf8').trim();
    } catch {
      throw new MintFailed(`azure: AZURE_FEDERATED_TOKEN_FILE ${env.AZURE_FEDERATED_TOKEN_FILE} cannot be read`, { code: 'usage' });
    }
    const form = {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
    const token = await entraToken(tenant, form, request, `workload identity ${clientId}`);
    return { token, tenant, identity: `workload identity ${clientId} (tenant ${tenant})` };
  }
  try {
    return await managedIdentity(request);
  } catch (managed) {
    try {
      return await azureCli(request);
    } catch (cli) {
      throw new MintFailed(
        `azure: no Entra identity: no AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE with AZURE_TENANT_ID and AZURE_CLIENT_ID, no managed identity (${(managed as Error).message}), no Azure CLI login (${(cli as Error).message})`,
      );
    }
  }
}

/** The tenant an Entra token was issued in (its `tid`), for the exchange. Pure. */
function tenantOf(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof claims.tid === 'string' ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}

export const azureProvider: Provider = {
  async mint(request: MintRequest): Promise<MintedToken> {
    const { host } = request;
    if (!/^[a-z0-9]+\.azurecr\.(io|cn|us)(:\d+)?$/.test(host) && !host.includes('*'))
      throw new MintFailed(`azure: ${host} is not an ACR registry (NAME.azurecr.io)`, { code: 'usage' });
    const aad = await entra(request);
    if (host.includes('*'))
      return { username: ACR_USERNAME, secret: aad.token, expiresAt: jwtExpiry(aad.token)?.getTime() ?? Number.NaN, identity: aad.identity };
    const url = new URL(`https://${host}/oauth2/exchange`);
    const form: Record<string, string> = { grant_type: 'access_token', service: host, access_token: aad.token };
    const tenant = aad.tenant ?? tenantOf(aad.token);
    if (tenant) form.tenant = tenant;
    const response = await cloudRequest({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      env: request.env,
      deadline: request.deadline,
      what: `ACR (${host})`,
    });
    let refresh: unknown;
    try {
      refresh = (JSON.parse(response.body) as { refresh_token?: unknown }).refresh_token;
    } catch {
      refresh = undefined;
    }
    if (response.status !== 200 || typeof refresh !== 'string')
      throw new MintFailed(
        `azure: ${host} refused the Entra token of ${aad.identity} at /oauth2/exchange (HTTP ${response.status}: ${response.body.slice(0, 200)}); give it AcrPull on the registry`,
        {
          code: response.status >= 500 ? 'network' : 'credentials',
        },
      );
    return { username: ACR_USERNAME, secret: refresh, expiresAt: jwtExpiry(refresh)?.getTime() ?? Number.NaN, identity: aad.identity };
  },
};
