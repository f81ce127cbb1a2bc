/**
 * `--provider aws`: a registry token from ECR's GetAuthorizationToken (ECR Public's for
 * public.ecr.aws), signed with SigV4 by the credentials the AWS chain finds (credentials.ts).
 * Hosts of every partition, FIPS and dual-stack (amazon-ecr-credential-helper's `ecrPattern`);
 * AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL_ECR_PUBLIC / AWS_ENDPOINT_URL and AWS_CA_BUNDLE
 * honoured as the SDKs honour them.
 */
import { MintFailed } from '../../errors.ts';
import type { Env } from '../../platform/paths.ts';
import { cloudRequest } from '../http.ts';
import { awsProfile } from '../identity.ts';
import type { MintRequest, MintedToken, Provider } from '../provider.ts';
import { ciIdToken } from '../oidc.ts';
import { assumeRoleWithWebIdentity, resolveCredentials } from './credentials.ts';
import { signRequest } from './sigv4.ts';

export interface EcrHost {
  kind: 'private' | 'public';
  account?: string;
  region: string;
  fips: boolean;
  dualStack: boolean;
  /** The API endpoint GetAuthorizationToken is sent to. */
  api: URL;
}

const PRIVATE =
  /^(\d{12}|\*)\.dkr([.-])ecr(-fips)?\.([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?|amazonaws\.eu|on\.aws|on\.amazonwebservices\.com\.cn|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;

/** What an ECR host says about where to ask for its token; undefined for a host that is not ECR. Pure. */
export function parseEcrHost(host: string, env: Env = {}): EcrHost | undefined {
  const name = host.toLowerCase().replace(/:443$/, '');
  if (name === 'public.ecr.aws' || name === 'ecr-public.aws.com') {
    const override = env.AWS_ENDPOINT_URL_ECR_PUBLIC || env.AWS_ENDPOINT_URL;
    return {
      kind: 'public',
      region: 'us-east-1',
      fips: false,
      dualStack: name === 'ecr-public.aws.com',
      api: new URL(override || 'https://api.ecr-public.us-east-1.amazonaws.com/'),
    };
  }
  const match = PRIVATE.exec(name);
  if (!match) return undefined;
  const [, account, separator, fips, region, suffix] = match as unknown as [string, string, string, string | undefined, string, string];
  const dualStack = separator === '-';
  // Dual-stack hosts (`dkr-ecr.REGION.on.aws`) answer API calls at ecr.REGION.api.aws.
  const apiSuffix = dualStack ? (suffix === 'on.amazonwebservices.com.cn' ? 'api.amazonwebservices.com.cn' : 'api.aws') : suffix;
  const apiHost = dualStack ? `ecr${fips ? '-fips' : ''}.${region}.${apiSuffix}` : `api.ecr${fips ? '-fips' : ''}.${region}.${apiSuffix}`;
  const override = env.AWS_ENDPOINT_URL_ECR || env.AWS_ENDPOINT_URL;
  return { kind: 'private', account, region, fips: Boolean(fips), dualStack, api: new URL(override || `https://${apiHost}/`) };
}

/** ECR's answer: the token (base64 of `AWS:password`) and its expiry. Pure. */
export function parseAuthorizationReply(status: number, body: string, what: string): { username: string; secret: string; expiresAt: number } {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    // An answer that is not JSON: its status says enough.
  }
  if (status !== 200) {
    const type = String(parsed.__type ?? `HTTP ${status}`).replace(/^.*#/, '');
    const message = String(parsed.message ?? parsed.Message ?? body.slice(0, 200));
    throw new MintFailed(`aws: ${what} was refused: ${type}: ${message}`, { code: status >= 500 ? 'network' : 'credentials' });
  }
  const data = Array.isArray(parsed.authorizationData) ? parsed.authorizationData[0] : parsed.authorizationData;
  const entry = (data ?? {}) as { authorizationToken?: unknown; expiresAt?: unknown };
  if (typeof entry.authorizationToken !== 'string') throw new MintFailed(`aws: ${what} answered without an authorizationToken`, { code: 'failure' });
  const decoded = Buffer.from(entry.authorizationToken, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new MintFailed(`aws: ${what} answered with a token that is not base64 of user:password`, { code: 'failure' });
  const expiresAt = typeof entry.expiresAt === 'number' ? entry.expiresAt * 1000 : Date.parse(String(entry.expiresAt));
  return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1), expiresAt };
}

/** --oidc: the role's keys for the CI job's OIDC token (audience sts.amazonaws.com), no secret in the job. */
async function fromCiJob(binding: MintRequest['binding'], region: string, request: MintRequest) {
  if (!binding.role)
    throw new MintFailed(
      `aws: --oidc needs the role to assume: dcm login ${binding.pattern} --provider aws --oidc ${binding.oidc} --role arn:aws:iam::ACCOUNT:role/NAME`,
      { code: 'usage' },
    );
  const token = await ciIdToken(binding.oidc!, 'sts.amazonaws.com', request.env, request.deadline);
  const session = `dcm-${(request.env.GITHUB_RUN_ID ?? request.env.CI_JOB_ID ?? String(request.now)).slice(0, 40)}`;
  return assumeRoleWithWebIdentity(
    binding.role,
    token,
    session,
    { region, env: request.env, deadline: request.deadline, now: request.now },
    `${binding.oidc} OIDC as ${binding.role}`,
  );
}

export const awsProvider: Provider = {
  async mint(request: MintRequest): Promise<MintedToken> {
    const { binding, host, env, deadline, now } = request;
    const ecr = parseEcrHost(host, env);
    if (!ecr) throw new MintFailed(`aws: ${host} is not an ECR registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com, or public.ecr.aws)`, { code: 'usage' });
    const credentials = binding.oidc
      ? await fromCiJob(binding, ecr.region, request)
      : await resolveCredentials({ profile: binding.profile, region: ecr.region, env, deadline, now });
    const isPublic = ecr.kind === 'public';
    // A pattern (`*.dkr.ecr.REGION.amazonaws.com`) is checked with the caller's own registry.
    const body = isPublic || ecr.account === '*' ? '{}' : JSON.stringify({ registryIds: [ecr.account] });
    const headers = signRequest(
      {
        method: 'POST',
        url: ecr.api,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': isPublic ? 'SpencerFrontendService.GetAuthorizationToken' : 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
        },
        body,
      },
      credentials,
      ecr.region,
      isPublic ? 'ecr-public' : 'ecr',
      Date.now(),
    );
    delete headers.host;
    const what = `${isPublic ? 'ECR Public' : 'ECR'} GetAuthorizationToken (${ecr.api.host}) with ${credentials.source}`;
    const response = await cloudRequest({
      method: 'POST',
      url: ecr.api,
      headers,
      body,
      env,
      deadline,
      caBundle: env.AWS_CA_BUNDLE,
      what: `ECR (${ecr.api.host})`,
    });
    const token = parseAuthorizationReply(response.status, response.body, what);
    const profile = binding.profile ?? (env.AWS_PROFILE ? awsProfile(binding, env) : undefined);
    return {
      ...token,
      identity: `${isPublic ? 'ECR Public' : ecr.account === '*' ? `region ${ecr.region}` : `account ${ecr.account}`}, ${credentials.source}${profile && !credentials.source.includes(profile) ? ` (profile ${profile})` : ''}`,
    };
  },
};
