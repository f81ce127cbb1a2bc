/**
 * The AWS credential chain, in the order the SDKs and the CLI walk it (their documented
 * "default credential provider chain"), for one profile:
 * 1. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), unless a profile is named
 *    (by the binding's --profile or AWS_PROFILE), as the SDKs skip them then;
 * 2. the profile in the shared files (AWS_CONFIG_FILE's `[profile NAME]`, AWS_SHARED_CREDENTIALS_FILE's
 *    `[NAME]`): static keys; `credential_process`; `role_arn` with `source_profile` (STS AssumeRole,
 *    signed) or with `web_identity_token_file`; an SSO profile through the AWS CLI
 *    (`aws configure export-credentials`), which owns the SSO cache and its refresh;
 * 3. AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (STS AssumeRoleWithWebIdentity, unsigned);
 * 4. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI with
 *    AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE): ECS and EKS Pod Identity);
 * 5. IMDSv2 (a token, then the role's credentials), each step with a one-second deadline, unless
 *    AWS_EC2_METADATA_DISABLED=true.
 * What was tried is named in the error when nothing answers.
 */
import { readFileSync } from 'node:fs';
import { MintFailed } from '../../errors.ts';
import type { Env } from '../../platform/paths.ts';
import { ProcessFailure, runProcess, splitCommand } from '../../platform/process.ts';
import { cloudRequest } from '../http.ts';
import { awsConfigFiles } from '../identity.ts';
import { signRequest, type AwsCredentials } from './sigv4.ts';

export interface ChainRequest {
  /** The profile named by the binding (--profile), if any. */
  profile?: string;
  region: string;
  env: Env;
  deadline: number;
  now: number;
}

const IMDS_STEP_MS = 1000;

type Section = Record<string, string>;

/** An AWS shared config or credentials file: sections of `key = value`. Pure. */
export function parseIni(text: string): Record<string, Section> {
  const sections: Record<string, Section> = {};
  let current: Section | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s*[#;].*$/, '');
    if (!line.trim()) continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = sections[header[1]!.trim()] ??= {};
      lastKey = undefined;
      continue;
    }
    // An indented line continues the value above (a nested `s3 =` block): kept, not parsed.
    if (/^\s/.test(line) && lastKey && current) {
      current[lastKey] = `${current[lastKey]}\n${line.trim()}`;
      continue;
    }
    const pair = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(line);
    if (pair && current) {
      lastKey = pair[1]!.toLowerCase();
      current[lastKey] = pair[2]!;
    }
  }
  return sections;
}

function readIni(path: string): Record<string, Section> {
  try {
    return parseIni(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

/** The profile's settings: the credentials file's `[NAME]` over the config file's `[profile NAME]`. */
export function profileSettings(name: string, env: Env): Section | undefined {
  const files = awsConfigFiles(env);
  const config = readIni(files.config);
  const credentials = readIni(files.credentials);
  const fromConfig = config[name === 'default' ? 'default' : `profile ${name}`] ?? (name === 'default' ? config['profile default'] : undefined);
  const fromCredentials = credentials[name];
  if (!fromConfig && !fromCredentials) return undefined;
  return { ...fromConfig, ...fromCredentials };
}

export async function resolveCredentials(request: ChainRequest): Promise<AwsCredentials> {
  const { env } = request;
  const named = request.profile ?? (env.AWS_PROFILE || undefined);
  const tried: string[] = [];
  if (!named && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
      source: 'environment (AWS_ACCESS_KEY_ID)',
    };
  tried.push(named ? `environment keys (skipped: profile ${named} is named)` : 'environment keys');
  const profileName = named ?? 'default';
  const settings = profileSettings(profileName, env);
  if (settings) return fromProfile(profileName, settings, request, 0);
  if (named)
    throw new MintFailed(
      `aws: profile ${named} is in neither ${awsConfigFiles(env).config} nor ${awsConfigFiles(env).credentials}; add it (aws configure --profile ${named}) or bind another: dcm login HOST --provider aws --profile NAME`,
    );
  tried.push('profile default');
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN)
    return webIdentity(env.AWS_ROLE_ARN, env.AWS_WEB_IDENTITY_TOKEN_FILE, env.AWS_ROLE_SESSION_NAME, request);
  tried.push('web identity (AWS_WEB_IDENTITY_TOKEN_FILE)');
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return containerCredentials(request);
  tried.push('container credentials');
  if ((env.AWS_EC2_METADATA_DISABLED ?? '').toLowerCase() !== 'true') {
    try {
      return await imds(request);
    } catch (error) {
      tried.push(`IMDS (${error instanceof MintFailed ? error.message : String(error)})`);
    }
  } else tried.push('IMDS (AWS_EC2_METADATA_DISABLED)');
  throw new MintFailed(
    `aws: no credentials found; tried ${tried.join(', ')}. Set AWS_PROFILE, run aws configure (or aws sso login), or bind a profile: dcm login HOST --provider aws --profile NAME`,
  );
}

async function fromProfile(name: string, settings: Section, request: ChainRequest, depth: number): Promise<AwsCredentials> {
  if (depth > 4) throw new MintFailed(`aws: profile ${name}: source_profile chains more than 4 deep (a loop?)`, { code: 'usage' });
  if (settings.role_arn) {
    if (settings.web_identity_token_file) return webIdentity(settings.role_arn, settings.web_identity_token_file, settings.role_session_name, request);
    const sourceName = settings.source_profile;
    if (!sourceName)
      throw new MintFailed(`aws: profile ${name} has role_arn but no source_profile or web_identity_token_file (credential_source is not supported by dcm)`, {
        code: 'usage',
      });
    const source = profileSettings(sourceName, request.env);
    if (!source) throw new MintFailed(`aws: profile ${name}'s source_profile ${sourceName} does not exist`, { code: 'usage' });
    const base = sourceName === name ? staticKeys(name, source) : await fromProfile(sourceName, source, request, depth + 1);
    return assumeRole(settings.role_arn, settings.role_session_name, settings.external_id, base, request);
  }
  if (settings.sso_session || settings.sso_start_url || settings.sso_account_id) return ssoThroughCli(name, request);
  if (settings.credential_process) return credentialProcess(name, settings.credential_process, request);
  return staticKeys(name, settings);
}

function staticKeys(name: string, settings: Section): AwsCredentials {
  if (!settings.aws_access_key_id || !settings.aws_secret_access_key)
    throw new MintFailed(`aws: profile ${name} has no aws_access_key_id and aws_secret_access_key, no credential_process, no role and no SSO`);
  return {
    accessKeyId: settings.aws_access_key_id,
    secretAccessKey: settings.aws_secret_access_key,
    sessionToken: settings.aws_session_token || undefined,
    source: `profile ${name}`,
  };
}

/** `credential_process`'s JSON ({Version: 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration}). Pure. */
export function parseProcessCredentials(text: string, source: string): AwsCredentials {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new MintFailed(`aws: ${source} did not print JSON`, { code: 'failure' });
  }
  if (parsed.Version !== 1 || typeof parsed.AccessKeyId !== 'string' || typeof parsed.SecretAccessKey !== 'string')
    throw new MintFailed(`aws: ${source} did not print {"Version": 1, "AccessKeyId", "SecretAccessKey", ...}`, { code: 'failure' });
  const expiresAt = typeof parsed.Expiration === 'string' ? Date.parse(parsed.Expiration) : undefined;
  return {
    accessKeyId: parsed.AccessKeyId,
    secretAccessKey: parsed.SecretAccessKey,
    sessionToken: typeof parsed.SessionToken === 'string' ? parsed.SessionToken : undefined,
    expiresAt: Number.isFinite(expiresAt) ? expiresAt : undefined,
    source,
  };
}

async function run(program: string, args: string[], source: string, request: ChainRequest): Promise<string> {
  try {
    const result = await runProcess(program, args, { env: request.env, timeoutMs: Math.max(1, request.deadline - Date.now()) });
    if (result.code !== 0)
      throw new MintFailed(`aws: ${source} exited ${result.code}: ${result.stderr.trim().split('\n').at(-1)?.slice(0, 200) ?? ''}`, { code: 'credentials' });
    return result.stdout.toString('utf8');
  } catch (error) {
    if (error instanceof ProcessFailure) throw new MintFailed(`aws: ${source}: ${error.message}`, { code: 'failure' });
    throw error;
  }
}

async function credentialProcess(name: string, line: string, request: ChainRequest): Promise<AwsCredentials> {
  const [program, ...args] = splitCommand(line);
  if (!program) throw new MintFailed(`aws: profile ${name}'s credential_process is empty`, { code: 'usage' });
  const source = `profile ${name}'s credential_process`;
  return parseProcessCredentials(await run(program, args, source, request), source);
}

/** The AWS CLI owns the SSO cache, its device flow and its refresh: dcm asks it. */
async function ssoThroughCli(name: string, request: ChainRequest): Promise<AwsCredentials> {
  const source = `profile ${name} (SSO, through aws configure export-credentials)`;
  return parseProcessCredentials(await run('aws', ['configure', 'export-credentials', '--profile', name, '--format', 'process'], source, request), source);
}

function stsEndpoint(region: string, env: Env): URL {
  const override = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
  return new URL(override || `https://sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`);
}

/** STS's XML answer to AssumeRole*: the four fields, or the error's code and message. Pure. */
export function parseStsCredentials(status: number, body: string, what: string): Omit<AwsCredentials, 'source'> {
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
  if (status !== 200) {
    const code = field('Code') ?? `HTTP ${status}`;
    const message = field('Message') ?? body.slice(0, 200);
    throw new MintFailed(`aws: ${what} was refused: ${code}: ${message}`, { code: status >= 500 ? 'network' : 'credentials' });
  }
  const accessKeyId = field('AccessKeyId');
  const secretAccessKey = field('SecretAccessKey');
  if (!accessKeyId || !secretAccessKey) throw new MintFailed(`aws: ${what} answered without credentials`, { code: 'failure' });
  const expiration = field('Expiration');
  return { accessKeyId, secretAccessKey, sessionToken: field('SessionToken'), expiresAt: expiration ? Date.parse(expiration) : undefined };
}

async function webIdentity(roleArn: string, tokenFile: string, sessionName: string | undefined, request: ChainRequest): Promise<AwsCredentials> {
  let token: string;
  try {
    token = readFileSync(tokenFile, 'utf8').trim();
  } catch (error) {
    throw new MintFailed(`aws: the web identity token file ${tokenFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return assumeRoleWithWebIdentity(roleArn, token, sessionName, request, `web identity ${roleArn}`);
}

/** STS AssumeRoleWithWebIdentity (an unsigned form POST): a role's keys for an OIDC token. */
export async function assumeRoleWithWebIdentity(
  roleArn: string,
  token: string,
  sessionName: string | undefined,
  request: Pick<ChainRequest, 'region' | 'env' | 'deadline' | 'now'>,
  source: string,
): Promise<AwsCredentials> {
  const url = stsEndpoint(request.region, request.env);
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: roleArn,
    RoleSessionName: sessionName || `dcm-${request.now}`,
    WebIdentityToken: token,
  }).toString();
  const what = `STS AssumeRoleWithWebIdentity for ${roleArn}`;
  const response = await cloudRequest({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'text/xml' },
    body,
    env: request.env,
    deadline: request.deadline,
    caBundle: request.env.AWS_CA_BUNDLE,
    what: `STS (${url.host})`,
  });
  return { ...parseStsCredentials(response.status, response.body, what), source };
}

async function assumeRole(
  roleArn: string,
  sessionName: string | undefined,
  externalId: string | undefined,
  base: AwsCredentials,
  request: ChainRequest,
): Promise<AwsCredentials> {
  const url = stsEndpoint(request.region, request.env);
  const params: Record<string, string> = {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: roleArn,
    RoleSessionName: sessionName || `dcm-${request.now}`,
  };
  if (externalId) params.ExternalId = externalId;
  const body = new URLSearchParams(params).toString();
  const headers = signRequest(
    { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body },
    base,
    request.region,
    'sts',
    Date.now(),
  );
  delete headers.host;
  const response = await cloudRequest({
    method: 'POST',
    url,
    headers,
    body,
    env: request.env,
    deadline: request.deadline,
    caBundle: request.env.AWS_CA_BUNDLE,
    what: `STS (${url.host})`,
  });
  return { ...parseStsCredentials(response.status, response.body, `STS AssumeRole for ${roleArn}`), source: `role ${roleArn} (from ${base.source})` };
}

/** The JSON ECS, EKS Pod Identity and IMDS answer with. Pure. */
export function parseMetadataCredentials(body: string, source: string): AwsCredentials {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new MintFailed(`aws: ${source} did not answer JSON`, { code: 'failure' });
  }
  if (typeof parsed.AccessKeyId !== 'string' || typeof parsed.SecretAccessKey !== 'string')
    throw new MintFailed(`aws: ${source} answered without AccessKeyId and SecretAccessKey`, { code: 'failure' });
  const expiresAt = typeof parsed.Expiration === 'string' ? Date.parse(parsed.Expiration) : undefined;
  return {
    accessKeyId: parsed.AccessKeyId,
    secretAccessKey: parsed.SecretAccessKey,
    sessionToken: typeof parsed.Token === 'string' ? parsed.Token : undefined,
    expiresAt,
    source,
  };
}

async function containerCredentials(request: ChainRequest): Promise<AwsCredentials> {
  const { env } = request;
  const url = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
    ? new URL(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, 'http://169.254.170.2')
    : new URL(env.AWS_CONTAINER_CREDENTIALS_FULL_URI!);
  let authorization = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) authorization = readFileSync(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'utf8').trim();
  const source = `container credentials (${url.host})`;
  const response = await cloudRequest({
    method: 'GET',
    url,
    headers: authorization ? { authorization } : {},
    env,
    deadline: request.deadline,
    timeoutMs: 5000,
    direct: true,
    what: source,
  });
  if (response.status !== 200) throw new MintFailed(`aws: ${source} answered HTTP ${response.status}: ${response.body.slice(0, 200)}`);
  return parseMetadataCredentials(response.body, source);
}

async function imds(request: ChainRequest): Promise<AwsCredentials> {
  const base = new URL(request.env.AWS_EC2_METADATA_SERVICE_ENDPOINT || 'http://169.254.169.254/');
  const common = { env: request.env, deadline: request.deadline, timeoutMs: IMDS_STEP_MS, direct: true, what: `IMDS (${base.host})` } as const;
  const token = await cloudRequest({
    ...common,
    method: 'PUT',
    url: new URL('/latest/api/token', base),
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '300' },
  });
  if (token.status !== 200) throw new MintFailed(`IMDS answered HTTP ${token.status} for a session token`);
  const headers = { 'x-aws-ec2-metadata-token': token.body.trim() };
  const roles = await cloudRequest({ ...common, method: 'GET', url: new URL('/latest/meta-data/iam/security-credentials/', base), headers });
  const role = roles.body.split('\n')[0]?.trim();
  if (roles.status !== 200 || !role) throw new MintFailed('IMDS has no instance role (attach an instance profile)');
  const credentials = await cloudRequest({
    ...common,
    method: 'GET',
    url: new URL(`/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`, base),
    headers,
  });
  if (credentials.status !== 200) throw new MintFailed(`IMDS answered HTTP ${credentials.status} for role ${role}`);
  return parseMetadataCredentials(credentials.body, `IMDS role ${role}`);
}
