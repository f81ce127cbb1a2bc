/**
 * What dcm knows about particular registries, one row per kind, in the manner of antfu/ni's one
 * row per package manager: host patterns, the API host, the credentials each takes, its traps,
 * and the command that gets a fresh secret
 * (docs/registries.md has the sources). Pure. A self-hosted kind (Harbor, GitLab, Nexus) is
 * recognised by its challenge, since any host name may run it. The last row matches every registry.
 */
import { DOCKER_HUB_KEY } from '../docker/server-address.ts';
import { hostname } from './endpoint.ts';

export type ProfileId = 'docker-hub' | 'ghcr' | 'ecr' | 'ecr-public' | 'acr' | 'gar' | 'gcr' | 'quay' | 'gitlab' | 'harbor' | 'nexus' | 'generic';

/** The parts of a Bearer or Basic challenge a self-hosted registry gives itself away by. */
export interface ChallengeHint {
  realm?: string;
  service?: string;
}

export interface RegistryProfile {
  id: ProfileId;
  /** What people call it, for messages. */
  name: string;
  /** Whether a canonical server key (docker/server-address.ts) is this registry's. */
  matches(serverKey: string): boolean;
  /** For self-hosted kinds: whether a challenge is this registry's. */
  matchesChallenge?(challenge: ChallengeHint): boolean;
  /** The `host[:port]` that serves `/v2/` for a canonical server key. */
  apiHost?(serverKey: string): string;
  /** A repository whose `latest` manifest a pull-limit check may HEAD (docs/rate-limits.md). */
  rateLimitRepository?: string;
  /** The credentials this registry takes, said when it refuses some. */
  credentials?: string;
  /** The command that gets a fresh secret, for a key; said when a login expired. */
  refresh?(serverKey: string): string;
  /** Statuses besides 401 and 403 that mean "these credentials are refused" at this registry. */
  rejectionStatuses?: readonly number[];
  /** A username this registry would refuse for a reason that can be named. */
  usernameTrap?(username: string, secret: string): string | undefined;
}

/** Docker Hub's API host: the key `https://index.docker.io/v1/` is not where the v2 API answers. */
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** ECR's private hosts (docker/login-action `src/aws.ts`): account, then region. */
const ECR_HOST = /^(\d{12})\.dkr[.-]ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws)$/;
/** Azure's token logins take this username, with the token from `az acr login --expose-token`. */
export const ACR_TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000';

const hostIs =
  (...names: string[]) =>
  (key: string) =>
    names.includes(hostname(key));
const hostEndsWith =
  (...suffixes: string[]) =>
  (key: string) =>
    suffixes.some((suffix) => hostname(key).endsWith(suffix));

/** The usernames Google's registries take, gcloud's own helpers' included. */
const GOOGLE_CREDENTIALS =
  "oauth2accesstoken and a token from gcloud auth print-access-token, _json_key with the whole service-account key file (or _json_key_base64 with it in base64), or the _dcgcloud_token / _dcgcr_..._token usernames gcloud's credential helpers use";

export const REGISTRY_PROFILES: readonly RegistryProfile[] = [
  {
    id: 'docker-hub',
    name: 'Docker Hub',
    // Every Hub alias normalises to Docker's key; the device-login token keys hang below it.
    matches: (key) => key.startsWith(DOCKER_HUB_KEY),
    apiHost: () => DOCKER_HUB_API_HOST,
    rateLimitRepository: 'ratelimitpreview/test',
    credentials:
      "your Docker ID (not your email address) and a personal access token (dckr_pat_...) or password; for an organization access token (dckr_oat_...), the organization's name",
    // An email address gets the same "incorrect username or password" as a wrong password (docker/kitematic#2837).
    usernameTrap: (username, secret) =>
      username.includes('@')
        ? 'Docker Hub takes your Docker ID, not your email address: log in with the name shown on hub.docker.com'
        : secret.startsWith('dckr_oat_')
          ? `a dckr_oat_ token is an organization access token: it signs in with the organization's name as the username, not ${JSON.stringify(username)}`
          : undefined,
  },
  {
    id: 'ghcr',
    name: 'GitHub Container Registry',
    matches: hostIs('ghcr.io'),
    // GHCR answers wrong and expired credentials alike with 403 `denied`.
    credentials: 'any username and a personal access token (classic) with read:packages, or GITHUB_TOKEN in Actions',
    refresh: (key) => `echo "$GITHUB_TOKEN" | dcm login ${key} -u USERNAME --password-stdin`,
  },
  {
    id: 'ecr',
    name: 'Amazon ECR',
    matches: (key) => ECR_HOST.test(hostname(key)),
    credentials: 'the username AWS and a token from aws ecr get-login-password',
    refresh: (key) => `aws ecr get-login-password --region ${ECR_HOST.exec(hostname(key))?.[2] ?? 'REGION'} | dcm login ${key} -u AWS --password-stdin`,
    // A token minted for another account or region gets 400 Bad Request (aws/aws-cli#4962, #5317).
    rejectionStatuses: [400],
    usernameTrap: (username) => (username === 'AWS' ? undefined : `ECR takes the username AWS, not ${JSON.stringify(username)}`),
  },
  {
    id: 'ecr-public',
    name: 'Amazon ECR Public',
    matches: hostIs('public.ecr.aws'),
    credentials: 'the username AWS and a token from aws ecr-public get-login-password',
    refresh: (key) => `aws ecr-public get-login-password --region us-east-1 | dcm login ${key} -u AWS --password-stdin`,
    rejectionStatuses: [400],
    usernameTrap: (username) => (username === 'AWS' ? undefined : `ECR Public takes the username AWS, not ${JSON.stringify(username)}`),
  },
  {
    id: 'acr',
    name: 'Azure Container Registry',
    matches: hostEndsWith('.azurecr.io', '.azurecr.cn', '.azurecr.us'),
    credentials: `a service principal's app id and secret, a token's name and password, or ${ACR_TOKEN_USERNAME} and a token from az acr login --expose-token`,
    refresh: (key) =>
      `az acr login --name ${hostname(key).split('.')[0]} --expose-token --output tsv --query accessToken | dcm login ${key} -u ${ACR_TOKEN_USERNAME} --password-stdin`,
    usernameTrap: (username, secret) =>
      looksLikeJwt(secret) && username !== ACR_TOKEN_USERNAME
        ? `a token from az acr login --expose-token goes with the username ${ACR_TOKEN_USERNAME}`
        : undefined,
  },
  {
    id: 'gar',
    name: 'Google Artifact Registry',
    matches: hostEndsWith('-docker.pkg.dev'),
    credentials: GOOGLE_CREDENTIALS,
    refresh: (key) => `gcloud auth print-access-token | dcm login ${key} -u oauth2accesstoken --password-stdin`,
    usernameTrap: googleUsernameTrap,
  },
  {
    id: 'gcr',
    name: 'Google Container Registry',
    matches: (key) => hostname(key) === 'gcr.io' || hostname(key).endsWith('.gcr.io'),
    credentials: GOOGLE_CREDENTIALS,
    refresh: (key) => `gcloud auth print-access-token | dcm login ${key} -u oauth2accesstoken --password-stdin`,
    usernameTrap: googleUsernameTrap,
  },
  {
    id: 'quay',
    name: 'Quay',
    matches: hostIs('quay.io'),
    credentials: 'your Quay username and password, or a robot account (org+robot) and its token',
  },
  {
    id: 'gitlab',
    name: "GitLab's container registry",
    matches: hostIs('registry.gitlab.com'),
    // GitLab's token service names itself `container_registry` and lives at /jwt/auth.
    matchesChallenge: (challenge) => challenge.service === 'container_registry' || /\/jwt\/auth$/.test(challenge.realm ?? ''),
    credentials: 'a personal, project or group access token with read_registry, a deploy token, or in CI $CI_REGISTRY_USER and $CI_REGISTRY_PASSWORD',
    refresh: (key) => `echo "$CI_REGISTRY_PASSWORD" | dcm login ${key} -u "$CI_REGISTRY_USER" --password-stdin`,
  },
  {
    id: 'harbor',
    name: 'Harbor',
    matches: () => false,
    matchesChallenge: (challenge) => challenge.service === 'harbor-registry' || /\/service\/token$/.test(challenge.realm ?? ''),
    credentials: 'a Harbor user and password, or a robot account (robot$name) and its secret',
    usernameTrap: harborRobotTrap,
  },
  {
    id: 'nexus',
    name: 'Sonatype Nexus',
    matches: () => false,
    // Nexus's Docker Bearer Token Realm: realm and service are both `<base>/v2/token`.
    matchesChallenge: (challenge) => /\/v2\/token$/.test(challenge.realm ?? '') && challenge.service === challenge.realm,
    credentials: 'a Nexus user with read access to the Docker repository (the Docker Bearer Token Realm must be active)',
  },
  {
    id: 'generic',
    name: 'the registry',
    matches: () => true,
    usernameTrap: harborRobotTrap,
  },
];

/**
 * The profile for a canonical server key; with the registry's challenge, a self-hosted kind
 * (Harbor, GitLab, Nexus) is recognised on any host.
 */
export function profileFor(serverKey: string, challenge?: ChallengeHint): RegistryProfile {
  const byHost = REGISTRY_PROFILES.find((profile) => profile.matches(serverKey))!;
  if (byHost.id !== 'generic' || !challenge) return byHost;
  return REGISTRY_PROFILES.find((profile) => profile.matchesChallenge?.(challenge)) ?? byHost;
}

/** The `host[:port]` serving `/v2/` for a canonical server key. */
export function apiHost(serverKey: string): string {
  return profileFor(serverKey).apiHost?.(serverKey) ?? serverKey;
}

/** A JWT's shape: three base64url parts, the first a JSON header (`eyJ`). */
export function looksLikeJwt(secret: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(secret);
}

function googleUsernameTrap(username: string, secret: string): string | undefined {
  if (username === '_json_key' || username === '_json_key_base64') {
    const json = username === '_json_key' ? secret : Buffer.from(secret, 'base64').toString('utf8');
    try {
      JSON.parse(json);
      return undefined;
    } catch {
      return `the ${username} password must be the whole service-account key file; it was cut or changed on the way: pass the file itself (dcm login -u ${username} --password-stdin HOST < key.json)`;
    }
  }
  // gcloud's credential helpers send `_dcgcloud_token` (gcloud) and `_dcgcr_<version>_token` (docker-credential-gcr).
  if (username !== 'oauth2accesstoken' && username !== '_dcgcloud_token' && !/^_dcgcr_[\w.-]*_token$/.test(username))
    return `Google's registries take the username oauth2accesstoken, _json_key or _json_key_base64 (or gcloud's _dcgcloud_token and _dcgcr_..._token), not ${JSON.stringify(username)}`;
  return undefined;
}

/**
 * Harbor robots are named `robot$name` (or `robot$project+name`): an unquoted or double-quoted
 * `$name` is expanded by the shell, leaving `robot` or `robot+name`, and Harbor answers with a
 * plain "unauthorized" (goharbor/harbor#9553, #15757).
 */
function harborRobotTrap(username: string): string | undefined {
  if (!/^robot(?:$|[+_-])/.test(username)) return undefined;
  return `${JSON.stringify(username)} looks like a Harbor robot name whose "$..." a shell expanded: robot accounts are named robot$name; quote the name in single quotes ('robot$name'), or write $$ in GitLab CI and Compose files`;
}
