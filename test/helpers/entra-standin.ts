/**
 * A stand-in for Entra ID's token endpoint (login.microsoftonline.com/TENANT/oauth2/v2.0/token),
 * behind the HTTPS front of registry-standins.ts, answering as Entra documents it: a client
 * secret or a federated client assertion for one app, the ACR scope, errors as
 * `{"error", "error_description"}` with AADSTS codes. Its access tokens are what ACR's
 * `/oauth2/exchange` stand-in takes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwt } from './tokens.ts';

export const ENTRA_HOSTS = { entra: 'login.microsoftonline.com' } as const;

export interface EntraStandIn {
  tenant: string;
  app: { clientId: string; clientSecret: string };
  /** The one federated token (a CI job's or AKS's) the app trusts. */
  federatedToken: string;
  /** A CI job's OIDC issuer the app's federated credential trusts: its check of a token. */
  trustedIssuer?: (token: string, audience: string) => boolean;
  /** Access tokens issued, which the ACR exchange accepts. */
  issued: Set<string>;
  handles(host: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export function createEntraStandIn(): EntraStandIn {
  const standIn: EntraStandIn = {
    tenant: randomUUID(),
    app: { clientId: randomUUID(), clientSecret: `sp~${randomUUID()}` },
    federatedToken: jwt({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:dcm/dcm:ref:refs/heads/main',
      aud: 'api://AzureADTokenExchange',
      exp: Math.floor(Date.now() / 1000) + 600,
    }),
    issued: new Set(),
    handles: (host) => host === ENTRA_HOSTS.entra,
    handle: (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => respond(req, res, new URLSearchParams(body)));
    },
  };
  const reply = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(value));
  };
  const refuse = (res: ServerResponse, error: string, description: string) =>
    reply(res, error === 'invalid_client' ? 401 : 400, {
      error,
      error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}`,
      error_codes: [7000215],
    });

  function respond(req: IncomingMessage, res: ServerResponse, form: URLSearchParams) {
    const tenant = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.url ?? '')?.[1];
    if (tenant !== standIn.tenant) return refuse(res, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
    if (form.get('grant_type') !== 'client_credentials')
      return refuse(res, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    if (form.get('client_id') !== standIn.app.clientId)
      return refuse(res, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`);
    const secretOk = form.get('client_secret') === standIn.app.clientSecret;
    const assertionOk =
      form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
      (form.get('client_assertion') === standIn.federatedToken ||
        standIn.trustedIssuer?.(form.get('client_assertion') ?? '', 'api://AzureADTokenExchange') === true);
    if (!secretOk && !assertionOk) return refuse(res, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    if (form.get('scope') !== 'https://containerregistry.azure.net/.default')
      return refuse(res, 'invalid_scope', `AADSTS70011: The provided value for scope ${form.get('scope')} is not valid.`);
    const token = jwt({
      aud: 'https://containerregistry.azure.net',
      tid: standIn.tenant,
      appid: standIn.app.clientId,
      exp: Math.floor(Date.now() / 1000) + 3600,
    });
    standIn.issued.add(token);
    reply(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
  }
  return standIn;
}
