/**
 * Stand-ins for the AWS APIs dcm's aws provider calls, behind the HTTPS front of
 * registry-standins.ts (reached by their real names through the CONNECT proxy):
 * - ECR's and ECR Public's GetAuthorizationToken (`X-Amz-Target` JSON 1.1), each request's SigV4
 *   signature recomputed by botocore (test/fixtures/sigv4-botocore.py) and refused as AWS
 *   refuses it when it differs; the token is one the ECR registry stand-in accepts;
 * - STS AssumeRoleWithWebIdentity (unsigned form POST) and AssumeRole (signed), answering
 *   temporary credentials that ECR then accepts.
 * awscli and amazon-ecr-credential-helper are run against the same stand-in
 * (test/integration/aws-provider.test.ts): it answers as AWS does for AWS's own clients.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT } from './env.ts';

export const AWS_HOSTS = {
  ecrApi: 'api.ecr.eu-west-1.amazonaws.com',
  ecrPublicApi: 'api.ecr-public.us-east-1.amazonaws.com',
  sts: 'sts.eu-west-1.amazonaws.com',
} as const;

export interface AwsKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsStandIn {
  /** The long-term key ECR accepts (as an IAM user's). */
  key: AwsKey;
  /** Web identity: the role, and the one token STS accepts for it. */
  webIdentity: { roleArn: string; token: string };
  /** Another identity provider STS trusts for web identity (a CI job's OIDC issuer): its check of a token. */
  trustedIssuer?: (token: string, audience: string) => boolean;
  /** AssumeRole: a role the long-term key may assume. */
  assumableRole: string;
  /** Every GetAuthorizationToken that was signed right, with the key that signed it. */
  minted: Array<{ accessKeyId: string; registryIds?: string[]; public: boolean }>;
  /** Requests refused for their signature: must stay empty for dcm, awscli and the ECR helper. */
  badSignatures: string[];
  /** Lifetime of the tokens minted next (ECR's is 12 hours). */
  tokenLifetimeSeconds: number;
  /** When set, the registry stand-in stops taking each token this many seconds after minting it, as at its expiry. */
  tokenAcceptSeconds?: number;
  /** When each token stops being taken (epoch ms), for the registry stand-in. */
  acceptUntil: Map<string, number>;
  handles(host: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const PYTHON = '/usr/bin/python3';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function botocoreSignature(input: Record<string, unknown>): string {
  return execFileSync(PYTHON, [join(ROOT, 'test/fixtures/sigv4-botocore.py')], { input: JSON.stringify(input), encoding: 'utf8', timeout: 10_000 }).trim();
}

/** `verifySignatures: false` (the bench only): the key is looked up, botocore is not run. */
export function createAwsStandIn(ecrTokens: Set<string>, options: { verifySignatures: boolean } = { verifySignatures: true }): AwsStandIn {
  const key: AwsKey = { accessKeyId: `AKIA${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`, secretAccessKey: randomUUID() + randomUUID() };
  const keys = new Map<string, AwsKey>([[key.accessKeyId, key]]);
  const standIn: AwsStandIn = {
    key,
    webIdentity: { roleArn: 'arn:aws:iam::123456789012:role/ci-pusher', token: `eyJ.${randomUUID()}.sig` },
    assumableRole: 'arn:aws:iam::123456789012:role/deployer',
    minted: [],
    badSignatures: [],
    tokenLifetimeSeconds: 12 * 3600,
    acceptUntil: new Map(),
    handles: (host) => (Object.values(AWS_HOSTS) as string[]).includes(host),
    handle: (req, res) => {
      void respond(req, res).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    },
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  };
  const xml = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(body);
  };

  /** The key a signed request names, if its signature is the one botocore computes. */
  function verify(req: IncomingMessage, body: string, host: string, service: string, region: string): AwsKey | 'unknown' | 'bad' {
    const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    );
    if (!auth) return 'bad';
    const [, accessKeyId, signedRegion, signedService, signedHeaders, signature] = auth as unknown as string[];
    const found = keys.get(accessKeyId!);
    if (!found) return 'unknown';
    if (signedRegion !== region || signedService !== service) return 'bad';
    if (!options.verifySignatures) return found;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)]));
    const expected = botocoreSignature({
      method: req.method,
      url: `https://${host}${req.url}`,
      headers,
      body,
      signedHeaders,
      amzDate: req.headers['x-amz-date'],
      accessKeyId,
      secretAccessKey: found.secretAccessKey,
      sessionToken: found.sessionToken,
      service,
      region,
    });
    if (expected !== signature || (found.sessionToken && req.headers['x-amz-security-token'] !== found.sessionToken)) {
      standIn.badSignatures.push(`${req.headers['user-agent'] ?? '?'}: ${signature} != ${expected}`);
      return 'bad';
    }
    return found;
  }

  function mintToken(): { authorizationToken: string; expiresAt: number } {
    const expiration = Math.floor(Date.now() / 1000) + standIn.tokenLifetimeSeconds;
    // What ECR's password is: base64 of a JSON envelope, checked by the registry stand-in.
    const password = Buffer.from(
      JSON.stringify({ payload: `eu-west-1:${randomUUID()}`, datakey: randomUUID(), version: '2', type: 'DATA_KEY', expiration }),
    ).toString('base64');
    ecrTokens.add(password);
    standIn.acceptUntil.set(password, Date.now() + (standIn.tokenAcceptSeconds ?? standIn.tokenLifetimeSeconds) * 1000);
    return { authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'), expiresAt: expiration };
  }

  function temporaryKey(): AwsKey {
    const temporary = {
      accessKeyId: `ASIA${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`,
      secretAccessKey: randomUUID(),
      sessionToken: `IQo${randomUUID()}`,
    };
    keys.set(temporary.accessKeyId, temporary);
    return temporary;
  }

  const stsCredentials = (action: string, temporary: AwsKey) =>
    `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result><Credentials><AccessKeyId>${temporary.accessKeyId}</AccessKeyId><SecretAccessKey>${temporary.secretAccessKey}</SecretAccessKey><SessionToken>${temporary.sessionToken}</SessionToken><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials></${action}Result></${action}Response>`;
  const stsError = (code: string, message: string) =>
    `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`;

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const body = await readBody(req);
    if (host === AWS_HOSTS.sts) {
      const form = new URLSearchParams(body);
      if (form.get('Action') === 'AssumeRoleWithWebIdentity') {
        const token = form.get('WebIdentityToken') ?? '';
        const trusted = token === standIn.webIdentity.token || standIn.trustedIssuer?.(token, 'sts.amazonaws.com') === true;
        if (form.get('RoleArn') !== standIn.webIdentity.roleArn || !trusted)
          return xml(res, 400, stsError('InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider"));
        return xml(res, 200, stsCredentials('AssumeRoleWithWebIdentity', temporaryKey()));
      }
      if (form.get('Action') === 'AssumeRole') {
        const signer = verify(req, body, host, 'sts', 'eu-west-1');
        if (typeof signer === 'string')
          return xml(res, 403, stsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'));
        if (form.get('RoleArn') !== standIn.assumableRole)
          return xml(res, 403, stsError('AccessDenied', `User is not authorized to perform: sts:AssumeRole on resource: ${form.get('RoleArn')}`));
        return xml(res, 200, stsCredentials('AssumeRole', temporaryKey()));
      }
      return xml(res, 400, stsError('InvalidAction', 'Could not find operation'));
    }
    const isPublic = host === AWS_HOSTS.ecrPublicApi;
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target !== (isPublic ? 'SpencerFrontendService.GetAuthorizationToken' : 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken'))
      return json(res, 400, { __type: 'UnknownOperationException', message: `unknown target ${target}` });
    const signer = verify(req, body, host, isPublic ? 'ecr-public' : 'ecr', isPublic ? 'us-east-1' : 'eu-west-1');
    if (signer === 'unknown')
      return json(res, 400, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    if (signer === 'bad')
      return json(res, 403, { __type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.' });
    const request = JSON.parse(body || '{}') as { registryIds?: string[] };
    standIn.minted.push({ accessKeyId: signer.accessKeyId, registryIds: request.registryIds, public: isPublic });
    const token = mintToken();
    if (isPublic) return json(res, 200, { authorizationData: token });
    json(res, 200, {
      authorizationData: [{ ...token, proxyEndpoint: `https://${request.registryIds?.[0] ?? '123456789012'}.dkr.ecr.eu-west-1.amazonaws.com` }],
    });
  }

  return standIn;
}
