/**
 * `dcm login`, `dcm ls` and `dcm check` against a stand-in for each registry people log in to
 * (test/helpers/registry-standins.ts), by its real host name, through a CONNECT proxy on
 * loopback. Each registry's rows: a good login, a wrong secret, an expired one, and its trap,
 * each with the exit code and the hint that fixes it. No secret reaches any output.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson } from '../helpers/helper-process.ts';
import { ACR_ZERO_USER, HOSTS, acrToken, gitlabJobToken, startStandIns, type StandIns } from '../helpers/registry-standins.ts';
import { run } from '../helpers/spawn.ts';
import { ecrToken, hoursFromNow } from '../helpers/tokens.ts';

const bin = dcmBinDir();
const HUB_KEY = 'https://index.docker.io/v1/';

let standIns: StandIns;
let env: NodeJS.ProcessEnv;
const secretsSeen = new Set<string>();

const dcm = (args: string[], stdin = '') => run(bin.dcm, [...args], { stdin, env, timeoutMs: 60_000 });
const login = (server: string | undefined, username: string, secret: string) => {
  secretsSeen.add(secret);
  return dcm(['login', ...(server ? [server] : []), '-u', username, '--password-stdin', '--cert-dir', standIns.caDir, '--timeout', '10'], `${secret}\n`);
};
const helperGet = (server: string) => run(bin.helper, ['get'], { stdin: server, env });
const expectNoSecret = (...outputs: string[]) => {
  // A secret cut to its first line may be just "{": only distinctive secrets can be looked for.
  for (const secret of secretsSeen) if (secret.length >= 8) for (const output of outputs) expect(output).not.toContain(secret.slice(0, 16));
};

beforeAll(async () => {
  requireTestSession();
  standIns = await startStandIns();
  const dockerConfig = tempDir('docker-config');
  writeFileSync(join(dockerConfig, 'config.json'), '{}');
  env = standIns.env({ ...process.env, DOCKER_CONFIG: dockerConfig });
});

afterAll(async () => {
  await dcm(['logout', '--all']);
  await standIns?.stop();
});

interface Row {
  name: string;
  /** The server argument (undefined: Docker Hub, the default). */
  server: () => string | undefined;
  username: () => string;
  secret: () => string;
  code: number;
  /** Every pattern must be in stderr (failures) or stdout (success). */
  says: RegExp[];
}

const s = () => standIns.secrets;
const mintEcr = (hours: number, region = 'eu-west-1') => {
  const token = ecrToken(hoursFromNow(hours), region);
  s().ecrTokens.add(token);
  return token;
};

const rows: Row[] = [
  // Docker Hub: Docker ID + PAT; an email address gets the same 401 as a wrong password.
  { name: 'Docker Hub: good PAT', server: () => undefined, username: () => s().hub.user, secret: () => s().hub.pat, code: 0, says: [/Login Succeeded/] },
  {
    name: 'Docker Hub: wrong PAT',
    server: () => undefined,
    username: () => s().hub.user,
    secret: () => 'dckr_pat_wrong',
    code: 3,
    says: [/incorrect username or password \(wrong username or password\)/, /Docker Hub takes your Docker ID \(not your email address\)/],
  },
  {
    name: 'Docker Hub: expired or revoked PAT (answered as a wrong one)',
    server: () => undefined,
    username: () => s().hub.user,
    secret: () => 'dckr_pat_revoked_long_ago',
    code: 3,
    says: [/incorrect username or password/, /personal access token/],
  },
  {
    name: 'Docker Hub trap: an email address for the Docker ID',
    server: () => undefined,
    username: () => 'dcmtester@example.com',
    secret: () => s().hub.pat,
    code: 3,
    says: [/Docker Hub takes your Docker ID, not your email address/],
  },
  // GHCR: any username with a PAT; wrong and expired alike get 403 denied.
  { name: 'GHCR: good PAT', server: () => HOSTS.ghcr, username: () => s().ghcr.user, secret: () => s().ghcr.pat, code: 0, says: [/Login Succeeded/] },
  {
    name: 'GHCR: wrong PAT (403 denied is exit 3, not "not a registry")',
    server: () => HOSTS.ghcr,
    username: () => s().ghcr.user,
    secret: () => 'ghp_wrong',
    code: 3,
    says: [/ghcr\.io: denied: denied/, /GitHub Container Registry takes any username and a personal access token \(classic\) with read:packages/],
  },
  {
    name: 'GHCR: expired PAT (also 403 denied)',
    server: () => HOSTS.ghcr,
    username: () => s().ghcr.user,
    secret: () => 'ghp_expired_2025',
    code: 3,
    says: [/denied/, /GITHUB_TOKEN in Actions/],
  },
  {
    name: 'GHCR trap: the username does not matter',
    server: () => HOSTS.ghcr,
    username: () => 'anyone-at-all',
    secret: () => s().ghcr.pat,
    code: 0,
    says: [/Login Succeeded/],
  },
  // ECR: AWS + get-login-password, Basic auth; plain-text 403 when expired; 400 for another region.
  { name: 'ECR: good token', server: () => HOSTS.ecr, username: () => 'AWS', secret: () => mintEcr(11), code: 0, says: [/Login Succeeded/] },
  {
    name: 'ECR: wrong token',
    server: () => HOSTS.ecr,
    username: () => 'AWS',
    secret: () => ecrToken(hoursFromNow(5)),
    code: 3,
    says: [/Not Authorized/, /Amazon ECR takes the username AWS and a token from aws ecr get-login-password/],
  },
  {
    name: 'ECR: expired token (plain-text 403)',
    server: () => HOSTS.ecr,
    username: () => 'AWS',
    secret: () => mintEcr(-1),
    code: 3,
    says: [
      /Your authorization token has expired\. Reauthenticate and try again\. \(the login has expired\)/,
      /get a new one: aws ecr get-login-password --region eu-west-1 \| dcm login 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com -u AWS --password-stdin/,
    ],
  },
  {
    name: 'ECR trap: a token for another region gets 400, still exit 3',
    server: () => HOSTS.ecr,
    username: () => 'AWS',
    secret: () => mintEcr(11, 'us-east-2'),
    code: 3,
    says: [/wrong username or password/, /Amazon ECR takes the username AWS/],
  },
  {
    name: 'ECR trap: a username other than AWS',
    server: () => HOSTS.ecr,
    username: () => 'aws',
    secret: () => mintEcr(11),
    code: 3,
    says: [/ECR takes the username AWS, not "aws"/],
  },
  // ECR Public: Bearer; an expired token gets ECR's plain-text 403.
  { name: 'ECR Public: good token', server: () => HOSTS.ecrPublic, username: () => 'AWS', secret: () => mintEcr(11), code: 0, says: [/Login Succeeded/] },
  {
    name: 'ECR Public: wrong token',
    server: () => HOSTS.ecrPublic,
    username: () => 'AWS',
    secret: () => 'bm90LWEtdG9rZW4=',
    code: 3,
    says: [/authentication required/, /Amazon ECR Public takes the username AWS/],
  },
  {
    name: 'ECR Public: expired token',
    server: () => HOSTS.ecrPublic,
    username: () => 'AWS',
    secret: () => mintEcr(-2),
    code: 3,
    says: [/has expired/, /get a new one: aws ecr-public get-login-password --region us-east-1 \| dcm login public\.ecr\.aws -u AWS --password-stdin/],
  },
  {
    name: 'ECR Public trap: a username other than AWS',
    server: () => HOSTS.ecrPublic,
    username: () => 'AWS_ACCESS_KEY',
    secret: () => mintEcr(11),
    code: 3,
    says: [/ECR Public takes the username AWS/],
  },
  // ACR: the zero GUID + an ACR token (a JWT), or a service principal.
  {
    name: 'ACR: good token with the zero GUID',
    server: () => HOSTS.acr,
    username: () => ACR_ZERO_USER,
    secret: () => acrToken(3),
    code: 0,
    says: [/Login Succeeded/],
  },
  {
    name: 'ACR: good service principal',
    server: () => HOSTS.acr,
    username: () => s().acr.appId,
    secret: () => s().acr.appSecret,
    code: 0,
    says: [/Login Succeeded/],
  },
  {
    name: 'ACR: wrong secret',
    server: () => HOSTS.acr,
    username: () => s().acr.appId,
    secret: () => 'not-the-secret',
    code: 3,
    says: [/authentication required, visit https:\/\/aka\.ms\/acr\/authorization/, /Azure Container Registry takes a service principal/],
  },
  {
    name: 'ACR: expired token (known from its exp)',
    server: () => HOSTS.acr,
    username: () => ACR_ZERO_USER,
    secret: () => acrToken(-1),
    code: 3,
    says: [
      /the secret itself says it expired at \d{4}-\d\d-\d\dT/,
      /get a new one: az acr login --name dcmtest --expose-token --output tsv --query accessToken \| dcm login dcmtest\.azurecr\.io -u 00000000-0000-0000-0000-000000000000 --password-stdin/,
    ],
  },
  {
    name: 'ACR trap: a token with a username that is not the zero GUID',
    server: () => HOSTS.acr,
    username: () => 'me',
    secret: () => acrToken(3),
    code: 3,
    says: [/a token from az acr login --expose-token goes with the username 00000000-0000-0000-0000-000000000000/],
  },
  // Artifact Registry and GCR: oauth2accesstoken, or _json_key with the whole key file.
  {
    name: 'Artifact Registry: good access token',
    server: () => HOSTS.gar,
    username: () => 'oauth2accesstoken',
    secret: () => s().gar.accessToken,
    code: 0,
    says: [/Login Succeeded/],
  },
  {
    name: 'Artifact Registry: good multi-line JSON key',
    server: () => HOSTS.gar,
    username: () => '_json_key',
    secret: () => s().gar.jsonKey,
    code: 0,
    says: [/Login Succeeded/],
  },
  {
    name: 'Artifact Registry: wrong token',
    server: () => HOSTS.gar,
    username: () => 'oauth2accesstoken',
    secret: () => 'ya29.wrong',
    code: 3,
    says: [/Not Authorized\./, /Google Artifact Registry takes oauth2accesstoken and a token from gcloud auth print-access-token/],
  },
  {
    name: 'Artifact Registry: expired access token (Google does not say so: answered as wrong)',
    server: () => HOSTS.gar,
    username: () => 'oauth2accesstoken',
    secret: () => 'ya29.expired-an-hour-ago',
    code: 3,
    says: [/wrong username or password/, /gcloud auth print-access-token/],
  },
  {
    name: 'Artifact Registry trap: a JSON key cut at its first line',
    server: () => HOSTS.gar,
    username: () => '_json_key',
    secret: () => s().gar.jsonKey.split('\n')[0]!,
    code: 3,
    says: [/the _json_key password must be the whole service-account key file; it was cut/],
  },
  {
    name: 'GCR: good access token',
    server: () => HOSTS.gcr,
    username: () => 'oauth2accesstoken',
    secret: () => s().gar.accessToken,
    code: 0,
    says: [/Login Succeeded/],
  },
  {
    name: 'GCR: wrong token',
    server: () => HOSTS.gcr,
    username: () => 'oauth2accesstoken',
    secret: () => 'ya29.nope',
    code: 3,
    says: [/Google Container Registry takes oauth2accesstoken/],
  },
  {
    name: 'GCR: expired access token (answered as wrong)',
    server: () => HOSTS.gcr,
    username: () => 'oauth2accesstoken',
    secret: () => 'ya29.stale',
    code: 3,
    says: [/gcloud auth print-access-token/],
  },
  {
    name: 'GCR trap: a username Google does not take',
    server: () => HOSTS.gcr,
    username: () => 'me@example.com',
    secret: () => s().gar.accessToken,
    code: 3,
    says: [
      /Google's registries take the username oauth2accesstoken, _json_key or _json_key_base64 \(or gcloud's _dcgcloud_token and _dcgcr_\.\.\._token\), not "me@example\.com"/,
    ],
  },
  // Quay: robots are org+name.
  {
    name: 'Quay: good robot (its + intact)',
    server: () => HOSTS.quay,
    username: () => s().quay.robot,
    secret: () => s().quay.token,
    code: 0,
    says: [/Login Succeeded/],
  },
  {
    name: 'Quay: wrong token',
    server: () => HOSTS.quay,
    username: () => s().quay.robot,
    secret: () => 'QWRONG',
    code: 3,
    says: [/Invalid Username or Password/, /Quay takes your Quay username and password, or a robot account \(org\+robot\)/],
  },
  {
    name: 'Quay: a deleted robot (answered as wrong)',
    server: () => HOSTS.quay,
    username: () => 'dcmorg+deleted_bot',
    secret: () => s().quay.token,
    code: 3,
    says: [/Invalid Username or Password/],
  },
  {
    name: 'Quay trap: a robot name with its + turned into a space (URL decoding)',
    server: () => HOSTS.quay,
    username: () => s().quay.robot.replace('+', ' '),
    secret: () => s().quay.token,
    code: 3,
    says: [/robot account \(org\+robot\)/],
  },
  // Nexus: recognised by its Docker Bearer Token Realm challenge.
  { name: 'Nexus: good user', server: () => HOSTS.nexus, username: () => s().nexus.user, secret: () => s().nexus.password, code: 0, says: [/Login Succeeded/] },
  {
    name: 'Nexus: wrong password',
    server: () => HOSTS.nexus,
    username: () => s().nexus.user,
    secret: () => 'wrong-x7Qp-1',
    code: 3,
    says: [/access to the requested resource is not authorized/, /Sonatype Nexus takes a Nexus user/],
  },
  {
    name: 'Nexus: an expired password (answered as wrong)',
    server: () => HOSTS.nexus,
    username: () => s().nexus.user,
    secret: () => 'last-quarters-password',
    code: 3,
    says: [/Docker Bearer Token Realm must be active/],
  },
  {
    name: 'Nexus trap: a user Nexus does not know',
    server: () => HOSTS.nexus,
    username: () => 'admin',
    secret: () => s().nexus.password,
    code: 3,
    says: [/Sonatype Nexus takes/],
  },
  // Harbor (the CNCF registry in token mode behind a Harbor-like token service).
  {
    name: 'Harbor: good robot',
    server: () => HOSTS.harbor,
    username: () => s().harbor.robot,
    secret: () => s().harbor.secret,
    code: 0,
    says: [/Login Succeeded/],
  },
  {
    name: 'Harbor: wrong secret',
    server: () => HOSTS.harbor,
    username: () => s().harbor.robot,
    secret: () => 'wrong-x7Qp-2',
    code: 3,
    says: [/unauthorized: authentication required/, /Harbor takes a Harbor user and password, or a robot account \(robot\$name\)/],
  },
  {
    name: 'Harbor: an expired robot (answered as wrong)',
    server: () => HOSTS.harbor,
    username: () => 'robot$expired-bot',
    secret: () => s().harbor.secret,
    code: 3,
    says: [/authentication required/, /Harbor takes/],
  },
  {
    name: 'Harbor trap: a robot name whose $ci a shell expanded',
    server: () => HOSTS.harbor,
    username: () => 'robot-pusher',
    secret: () => s().harbor.secret,
    code: 3,
    says: [/"robot-pusher" looks like a Harbor robot name whose "\$\.\.\." a shell expanded/, /single quotes \('robot\$name'\)/],
  },
  // GitLab (the CNCF registry in token mode behind a GitLab-like /jwt/auth).
  {
    name: 'GitLab: good deploy token',
    server: () => HOSTS.gitlab,
    username: () => s().gitlab.deployUser,
    secret: () => s().gitlab.deployToken,
    code: 0,
    says: [/Login Succeeded/],
  },
  {
    name: 'GitLab: wrong deploy token',
    server: () => HOSTS.gitlab,
    username: () => s().gitlab.deployUser,
    secret: () => 'gldt-wrong',
    code: 3,
    says: [/HTTP Basic: Access denied/, /GitLab's container registry takes a personal, project or group access token with read_registry, a deploy token/],
  },
  {
    name: 'GitLab: expired job token (known from its exp)',
    server: () => HOSTS.gitlab,
    username: () => 'gitlab-ci-token',
    secret: () => gitlabJobToken(-1),
    code: 3,
    says: [
      /the secret itself says it expired/,
      /get a new one: echo "\$CI_REGISTRY_PASSWORD" \| dcm login registry\.gitlab\.com -u "\$CI_REGISTRY_USER" --password-stdin/,
    ],
  },
  {
    name: 'GitLab trap: an account password once 2FA is on',
    server: () => HOSTS.gitlab,
    username: () => 'octo-dev',
    secret: () => 'account-password',
    code: 3,
    says: [/required to use a token instead of a password/, /access token with read_registry/],
  },
  // The self-hosted CNCF registry, htpasswd.
  { name: 'CNCF registry: good', server: () => HOSTS.cncf, username: () => s().cncf.user, secret: () => s().cncf.password, code: 0, says: [/Login Succeeded/] },
  {
    name: 'CNCF registry: wrong password',
    server: () => HOSTS.cncf,
    username: () => s().cncf.user,
    secret: () => 'wrong-x7Qp-3',
    code: 3,
    says: [/wrong username or password/, /check the username and password/],
  },
];

describe('dcm login at each registry', () => {
  it.each(rows)('$name', async (row) => {
    const result = await login(row.server(), row.username(), row.secret());
    expect({ code: result.code, out: result.code === 0 ? result.stdout : result.stderr }).toMatchObject({ code: row.code });
    for (const pattern of row.says) expect(result.code === 0 ? result.stdout : result.stderr).toMatch(pattern);
    if (result.code !== 0) expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expectNoSecret(result.stdout, result.stderr);
  });

  it('a multi-line JSON key and a 2 KB ECR token are stored byte for byte (one trailing newline dropped)', async () => {
    const key = JSON.parse((await helperGet(HOSTS.gar)).stdout) as { Username: string; Secret: string };
    expect(key).toMatchObject({ Username: '_json_key', Secret: s().gar.jsonKey });
    expect(key.Secret.split('\n').length).toBeGreaterThan(5);
    const ecr = JSON.parse((await helperGet(HOSTS.ecr)).stdout) as { Username: string; Secret: string };
    expect(ecr.Username).toBe('AWS');
    expect(ecr.Secret.length).toBeGreaterThan(2000);
    expect(s().ecrTokens.has(ecr.Secret)).toBe(true);
  });
});

describe('expiry: dcm ls and dcm check --expiring-within', () => {
  beforeAll(async () => {
    // Fresh logins with known lifetimes: ACR 3 h, GitLab job token 1 h, ECR 11 h; Quay none.
    expect(await login(HOSTS.acr, ACR_ZERO_USER, acrToken(3))).toExit(0);
    expect(await login(HOSTS.gitlab, 'gitlab-ci-token', gitlabJobToken(1))).toExit(0);
    expect(await login(HOSTS.ecr, 'AWS', mintEcr(11))).toExit(0);
    expect(await login(HOSTS.quay, s().quay.robot, s().quay.token)).toExit(0);
  });

  const expiries = async () => {
    const result = await dcm(['ls', '--json']);
    expect(result).toExit(0);
    return Object.fromEntries((JSON.parse(result.stdout) as Array<{ registry: string; expiresAt: string | null }>).map((r) => [r.registry, r.expiresAt]));
  };
  const hoursUntil = (iso: string | null | undefined) => (iso ? Math.round((Date.parse(iso) - Date.now()) / 3_600_000) : null);

  it('ls --json: expiresAt from each secret, null when it does not say', async () => {
    const found = await expiries();
    expect(hoursUntil(found[HOSTS.acr])).toBe(3);
    expect(hoursUntil(found[HOSTS.gitlab])).toBe(1);
    expect(hoursUntil(found[HOSTS.ecr])).toBe(11);
    expect(found[HOSTS.quay]).toBeNull();
    expect(found[HUB_KEY]).toBeNull();
    expect(found[HOSTS.acr]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });

  it("an ECR token kept under a proxy's own host name still shows its expiry (issue 22, item 16)", async () => {
    const proxied = 'ecr-pull-through.example.test';
    expect(await run(bin.helper, ['store'], { stdin: JSON.stringify({ ServerURL: proxied, Username: 'AWS', Secret: ecrToken(hoursFromNow(7)) }) })).toExit(0);
    try {
      expect(hoursUntil((await expiries())[proxied])).toBe(7);
    } finally {
      await run(bin.helper, ['erase'], { stdin: proxied });
    }
  });

  it('ls: the EXPIRES column, and no claim of any token', async () => {
    const result = await dcm(['ls']);
    expect(result).toExit(0);
    const line = (host: string) => result.stdout.split('\n').find((l) => l.startsWith(host)) ?? '';
    expect(line(HOSTS.acr)).toMatch(/expires in 3h/);
    expect(line(HOSTS.gitlab)).toMatch(/expires in (59m|1h)/);
    expect(line(HOSTS.quay)).toMatch(/\s-\s*$/);
    expect(result.stdout).not.toMatch(/Azure Container Registry|gitlab-standin|job_1/);
    expectNoSecret(result.stdout, result.stderr);
  });

  it('check --expiring-within 2h: the GitLab job token is expiring (exit 3), before any request', async () => {
    const before = standIns.requests.length;
    const result = await dcm(['check', HOSTS.gitlab, '--expiring-within', '2h', '--json', '--cert-dir', standIns.caDir]);
    expect(result).toExit(3);
    const { ok, results } = JSON.parse(result.stdout);
    expect(ok).toBe(false);
    expect(results[0]).toMatchObject({ registry: HOSTS.gitlab, ok: false, status: 'expiring', expiresAt: expect.stringMatching(/Z$/) });
    expect(results[0].message).toMatch(/expires in (59m|1h), within --expiring-within 2h; get a new one: echo "\$CI_REGISTRY_PASSWORD"/);
    expect(standIns.requests.slice(before).filter((r) => r.host === HOSTS.gitlab)).toEqual([]);
  });

  it('check --expiring-within 2h over several: ACR (3 h) and Quay (unknown) pass, GitLab fails', async () => {
    const result = await dcm(['check', HOSTS.acr, HOSTS.quay, HOSTS.gitlab, '--expiring-within', '2h', '--json', '--cert-dir', standIns.caDir]);
    expect(result).toExit(3);
    const statuses = Object.fromEntries((JSON.parse(result.stdout).results as Array<{ registry: string; status: string }>).map((r) => [r.registry, r.status]));
    expect(statuses).toEqual({ [HOSTS.acr]: 'ok', [HOSTS.quay]: 'ok', [HOSTS.gitlab]: 'expiring' });
  });

  it('check --expiring-within 12h: the ECR token (11 h) too; 30m: none', async () => {
    const wide = await dcm(['check', HOSTS.ecr, '--expiring-within', '12h', '--json', '--cert-dir', standIns.caDir]);
    expect(JSON.parse(wide.stdout).results[0]).toMatchObject({ status: 'expiring' });
    expect(JSON.parse(wide.stdout).results[0].message).toMatch(/aws ecr get-login-password --region eu-west-1/);
    const narrow = await dcm(['check', HOSTS.ecr, HOSTS.acr, '--expiring-within', '30m', '--json', '--cert-dir', standIns.caDir]);
    expect(narrow).toExit(0);
    expect((JSON.parse(narrow.stdout).results as Array<{ status: string }>).map((r) => r.status)).toEqual(['ok', 'ok']);
  });

  it('a stored login that has expired: status expired, exit 3, with and without the window', async () => {
    // Stored directly (dcm login would refuse it): what a login left for a day looks like.
    const stale = mintEcr(-3);
    secretsSeen.add(stale);
    expect(await run(bin.helper, ['store'], { stdin: storeJson(HOSTS.ecr, 'AWS', stale), env })).toExit(0);
    const windowed = await dcm(['check', HOSTS.ecr, '--expiring-within', '1h', '--json', '--cert-dir', standIns.caDir]);
    expect(windowed).toExit(3);
    expect(JSON.parse(windowed.stdout).results[0]).toMatchObject({ status: 'expired' });
    expect(JSON.parse(windowed.stdout).results[0].message).toMatch(/^expired 3h ago; get a new one: aws ecr get-login-password/);
    // Without the window the registry is asked, and says so itself.
    const asked = await dcm(['check', HOSTS.ecr, '--json', '--cert-dir', standIns.caDir]);
    expect(asked).toExit(3);
    expect(JSON.parse(asked.stdout).results[0]).toMatchObject({ status: 'expired' });
    const table = await dcm(['ls']);
    expect(table.stdout.split('\n').find((l) => l.startsWith(HOSTS.ecr))).toMatch(/expired 3h ago/);
    expectNoSecret(windowed.stdout, asked.stdout, asked.stderr, table.stdout);
  });

  it.each([['soon'], ['12'], ['-1h'], ['']])('--expiring-within %j is a usage error (exit 2), nothing checked', async (window) => {
    const result = await dcm(['check', '--expiring-within', window]);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(/--expiring-within takes a duration such as 30m, 12h or 7d/);
  });
});
