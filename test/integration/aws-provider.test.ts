/**
 * `--provider aws` (issue 24) against loopback stand-ins for ECR's and STS's APIs, reached by
 * their real names through a CONNECT proxy, with the stand-in CA as AWS_CA_BUNDLE. botocore
 * recomputes the SigV4 signature of every request they receive (test/helpers/aws-standin.ts), and
 * AWS's own clients (Debian's awscli and amazon-ecr-credential-helper) get their tokens from the
 * same stand-in first: it answers as ECR does for them. Then each link of the credential chain:
 * environment keys, a profile (--profile over the environment), credential_process, web
 * identity, AssumeRole, container credentials, IMDSv2, none at all; ECR Public; a pattern; the
 * cache per identity; and a token the registry refuses, dropped by `dcm check`.
 * Covers: src/providers/http.ts.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireTestSession, tempDir } from '../helpers/env.ts';
import { serveImage } from '../helpers/image-backend.ts';
import { testMachine } from '../helpers/machine.ts';
import { HOSTS, startStandIns, type StandIns } from '../helpers/registry-standins.ts';
import { run } from '../helpers/spawn.ts';

let standIns: StandIns;
let base: NodeJS.ProcessEnv;
const servers: Server[] = [];

beforeAll(async () => {
  requireTestSession();
  standIns = await startStandIns();
  const empty = tempDir('aws-none');
  base = standIns.env({ ...process.env });
  for (const name of Object.keys(base)) if (name.startsWith('AWS_')) delete base[name];
  Object.assign(base, {
    AWS_CA_BUNDLE: join(standIns.caDir, 'ca.crt'),
    AWS_CONFIG_FILE: join(empty, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(empty, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    DCM_PROVIDER_TIMEOUT_MS: '15000',
  });
});
afterAll(async () => {
  for (const server of servers) server.close();
  await standIns?.stop();
});

const keys = () => ({ AWS_ACCESS_KEY_ID: standIns.aws.key.accessKeyId, AWS_SECRET_ACCESS_KEY: standIns.aws.key.secretAccessKey });

/** A machine whose dcm talks to the stand-ins, with its own settings and AWS files. */
function awsMachine(env: NodeJS.ProcessEnv = {}) {
  const home = tempDir('aws-home');
  mkdirSync(join(home, 'config'));
  return testMachine({ config: { credsStore: 'dcm' }, env: { ...base, XDG_CONFIG_HOME: join(home, 'config'), ...env }, timeoutMs: 30_000 });
}

function awsFiles(config: string, credentials = ''): NodeJS.ProcessEnv {
  const dir = tempDir('aws-files');
  writeFileSync(join(dir, 'config'), config);
  writeFileSync(join(dir, 'credentials'), credentials);
  return { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
}

async function startServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** Logs in with the provider, then asks for the host as Docker does; returns what get served. */
async function loginAndGet(machine: ReturnType<typeof awsMachine>, host: string, extra: string[] = []) {
  // The registry stand-in's CA: the login verifies the token there (and remembers the directory for check).
  const login = await machine.dcm(['login', host, '--provider', 'aws', '--cert-dir', standIns.caDir, ...extra]);
  expect(login).toExit(0);
  const get = await machine.helper('get', host);
  expect(get).toExit(0);
  return { login, reply: JSON.parse(get.stdout) as { Username: string; Secret: string } };
}

describe('the stand-in answers as ECR does for AWS’s own clients', () => {
  it('aws ecr get-login-password and docker-credential-ecr-login get tokens the ECR registry stand-in accepts, every signature botocore’s', async () => {
    const env = { ...base, ...keys(), HOME: tempDir('aws-cli-home') };
    const cli = await run('/usr/bin/aws', ['ecr', 'get-login-password', '--region', 'eu-west-1'], { env });
    expect(cli).toExit(0);
    expect(standIns.secrets.ecrTokens.has(cli.stdout.trim())).toBe(true);
    const helper = await run('/usr/bin/docker-credential-ecr-login', ['get'], { env, stdin: HOSTS.ecr });
    expect(helper).toExit(0);
    const reply = JSON.parse(helper.stdout) as { Username: string; Secret: string };
    expect(reply.Username).toBe('AWS');
    expect(standIns.secrets.ecrTokens.has(reply.Secret)).toBe(true);
    expect(standIns.aws.badSignatures).toEqual([]);
  });
});

describe('dcm login --provider aws', () => {
  it('environment keys: minted for the account, verified at ECR, cached; get serves it without asking AWS again', async () => {
    const machine = awsMachine(keys());
    const before = standIns.aws.minted.length;
    const { login, reply } = await loginAndGet(machine, HOSTS.ecr);
    expect(login.stdout).toMatch(
      /^Login Succeeded: aws tokens for 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com, minted from account 123456789012, environment \(AWS_ACCESS_KEY_ID\)/,
    );
    expect(reply.Username).toBe('AWS');
    expect(standIns.secrets.ecrTokens.has(reply.Secret)).toBe(true);
    expect(standIns.aws.minted.slice(before)).toEqual([{ accessKeyId: standIns.aws.key.accessKeyId, registryIds: ['123456789012'], public: false }]);
    const again = await machine.helper('get', HOSTS.ecr);
    expect(JSON.parse(again.stdout).Secret).toBe(reply.Secret);
    expect(standIns.aws.minted.length).toBe(before + 1);
    const [row] = JSON.parse((await machine.dcm(['ls', '--json'])).stdout);
    expect(row).toMatchObject({
      registry: HOSTS.ecr,
      username: 'AWS',
      kind: 'provider:aws',
      identity: 'account 123456789012, environment (AWS_ACCESS_KEY_ID)',
    });
    expect(Date.parse(row.expiresAt) - Date.now()).toBeGreaterThan(11 * 3600_000);
    expect(JSON.stringify(row)).not.toContain(standIns.aws.key.secretAccessKey);
    expect(standIns.aws.badSignatures).toEqual([]);
  });

  it('--profile: the profile’s keys, though other keys are in the environment (as the SDKs skip them)', async () => {
    const files = awsFiles(
      '[profile ci]\nregion = eu-west-1\n',
      `[ci]\naws_access_key_id = ${standIns.aws.key.accessKeyId}\naws_secret_access_key = ${standIns.aws.key.secretAccessKey}\n`,
    );
    const machine = awsMachine({ ...files, AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG1', AWS_SECRET_ACCESS_KEY: 'wrong' });
    const { login } = await loginAndGet(machine, HOSTS.ecr, ['--profile', 'ci']);
    expect(login.stdout).toContain('minted from account 123456789012, profile ci');
  });

  it('credential_process: the program’s keys', async () => {
    const dir = tempDir('aws-process');
    const program = join(dir, 'creds.sh');
    writeFileSync(
      program,
      `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"${standIns.aws.key.accessKeyId}","SecretAccessKey":"${standIns.aws.key.secretAccessKey}"}'\n`,
      { mode: 0o755 },
    );
    const machine = awsMachine(awsFiles(`[profile proc]\ncredential_process = "${program}" --json\n`));
    const { login } = await loginAndGet(machine, HOSTS.ecr, ['--profile', 'proc']);
    expect(login.stdout).toContain("profile proc's credential_process");
  });

  it('web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE): STS’s temporary keys, with their session token', async () => {
    const dir = tempDir('aws-oidc');
    writeFileSync(join(dir, 'token'), `${standIns.aws.webIdentity.token}\n`);
    const machine = awsMachine({ AWS_ROLE_ARN: standIns.aws.webIdentity.roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'token') });
    const before = standIns.aws.minted.length;
    const { login } = await loginAndGet(machine, HOSTS.ecr);
    expect(login.stdout).toContain(`web identity ${standIns.aws.webIdentity.roleArn}`);
    expect(standIns.aws.minted[before]!.accessKeyId).toMatch(/^ASIA/);
    expect(standIns.aws.badSignatures).toEqual([]);
  });

  it('a web identity token STS refuses: one line with STS’s code and message', async () => {
    const dir = tempDir('aws-oidc-bad');
    writeFileSync(join(dir, 'token'), 'eyJ.forged.sig');
    const machine = awsMachine({ AWS_ROLE_ARN: standIns.aws.webIdentity.roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'token') });
    const login = await machine.dcm(['login', HOSTS.ecr, '--provider', 'aws']);
    expect(login).toExit(3);
    expect(login.stderr).toMatch(/^dcm: aws: STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role\/ci-pusher was refused: InvalidIdentityToken: /);
    // Refused: nothing is bound, so a get for the host still finds nothing.
    expect((await machine.helper('get', HOSTS.ecr)).stdout).toBe('credentials not found in native keychain\n');
  });

  it('role_arn with source_profile: STS AssumeRole, signed with the source’s keys', async () => {
    const files = awsFiles(
      `[profile deploy]\nrole_arn = ${standIns.aws.assumableRole}\nsource_profile = base\n`,
      `[base]\naws_access_key_id = ${standIns.aws.key.accessKeyId}\naws_secret_access_key = ${standIns.aws.key.secretAccessKey}\n`,
    );
    const { login } = await loginAndGet(awsMachine(files), HOSTS.ecr, ['--profile', 'deploy']);
    expect(login.stdout).toContain(`role ${standIns.aws.assumableRole} (from profile base)`);
    expect(standIns.aws.badSignatures).toEqual([]);
  });

  it('container credentials (EKS Pod Identity’s FULL_URI and token): the endpoint’s keys', async () => {
    const token = 'pod-identity-token';
    const url = await startServer((req, res) => {
      if (req.headers.authorization !== token) return res.writeHead(401).end();
      res.end(
        JSON.stringify({
          AccessKeyId: standIns.aws.key.accessKeyId,
          SecretAccessKey: standIns.aws.key.secretAccessKey,
          Expiration: new Date(Date.now() + 3600_000).toISOString(),
        }),
      );
    });
    const machine = awsMachine({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN: token });
    const { login } = await loginAndGet(machine, HOSTS.ecr);
    expect(login.stdout).toContain('container credentials (127.0.0.1:');
  });

  it('IMDSv2: a session token first, then the role, then its keys (every request carrying the token)', async () => {
    const seen: string[] = [];
    const url = await startServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('imds-session');
      if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-session') return res.writeHead(401).end();
      if (req.url === '/latest/meta-data/iam/security-credentials/') return res.end('web-role\n');
      if (req.url === '/latest/meta-data/iam/security-credentials/web-role')
        return res.end(
          JSON.stringify({ Code: 'Success', AccessKeyId: standIns.aws.key.accessKeyId, SecretAccessKey: standIns.aws.key.secretAccessKey, Token: '' }),
        );
      res.writeHead(404).end();
    });
    const machine = awsMachine({ AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: url });
    const { login } = await loginAndGet(machine, HOSTS.ecr);
    expect(login.stdout).toContain('IMDS role web-role');
    expect(seen.slice(0, 3)).toEqual([
      'PUT /latest/api/token',
      'GET /latest/meta-data/iam/security-credentials/',
      'GET /latest/meta-data/iam/security-credentials/web-role',
    ]);
  });

  it('no credentials anywhere: login fails in one line naming what was tried; nothing is bound', async () => {
    const machine = awsMachine();
    const login = await machine.dcm(['login', HOSTS.ecr, '--provider', 'aws']);
    expect(login).toExit(3);
    expect(login.stderr).toMatch(
      /^dcm: aws: no credentials found; tried environment keys, profile default, web identity .*, container credentials, IMDS \(AWS_EC2_METADATA_DISABLED\)\. Set AWS_PROFILE/,
    );
    expect(login.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse((await machine.dcm(['ls', '--json'])).stdout)).toEqual([]);
  });

  it('IMDS blackholed (a private network namespace where 169.254.169.254 takes connections and never answers): one short timeout, then the one line', async () => {
    const config = tempDir('aws-netns');
    mkdirSync(join(config, 'dcm'));
    writeFileSync(join(config, 'dcm', 'config.json'), JSON.stringify({ providers: { [HOSTS.ecr]: { provider: 'aws' } } }), { mode: 0o600 });
    const runtime = tempDir('aws-netns-run');
    // IMDS's address on loopback, held by a listener that accepts and never says a word.
    const silent = `"${process.execPath}" -e "require('node:net').createServer(() => {}).listen(80, '169.254.169.254')" </dev/null >/dev/null 2>&1 & listener=$!`;
    const setup = `ip link set lo up && ip addr add 169.254.169.254/32 dev lo && ${silent}; sleep 0.5`;
    const env = { ...base, AWS_EC2_METADATA_DISABLED: 'false', XDG_CONFIG_HOME: config, DCM_STORE: 'cache', XDG_RUNTIME_DIR: runtime };
    const started = Date.now();
    const dcmGet = `"${process.execPath}" "${join(ROOT, 'src', 'main.ts')}" get`;
    const get = await run('unshare', ['-n', 'sh', '-c', `${setup}; ${dcmGet}; code=$?; kill $listener; exit $code`], { env, stdin: HOSTS.ecr });
    const elapsed = Date.now() - started;
    expect(get).toExit(1);
    expect(get.stdout).toMatch(/^aws: no credentials found; tried .*IMDS \(IMDS \(169\.254\.169\.254\): .*\)\. Set AWS_PROFILE/);
    // One 1-second step, not the SDKs' retries, and far from Docker's minute-long hangs.
    expect(elapsed).toBeLessThan(6000);
  });

  it('ECR Public: ECR Public’s own API, in us-east-1', async () => {
    const before = standIns.aws.minted.length;
    expect(await awsMachine(keys()).dcm(['login', HOSTS.ecrPublic, '--provider', 'aws', '--cert-dir', standIns.caDir])).toExit(0);
    expect(standIns.aws.minted.slice(before)).toEqual([{ accessKeyId: standIns.aws.key.accessKeyId, registryIds: undefined, public: true }]);
  });

  it('a pattern: checked by minting once, then serves every account’s host in the region', async () => {
    const machine = awsMachine(keys());
    const bind = await machine.dcm(['login', '*.dkr.ecr.eu-west-1.amazonaws.com', '--provider', 'aws']);
    expect(bind).toExit(0);
    expect(bind.stdout).toMatch(/^Bound \*\.dkr\.ecr\.eu-west-1\.amazonaws\.com: aws tokens/);
    const before = standIns.aws.minted.length;
    const get = await machine.helper('get', HOSTS.ecr);
    expect(get).toExit(0);
    expect(standIns.aws.minted.slice(before)).toEqual([{ accessKeyId: standIns.aws.key.accessKeyId, registryIds: ['123456789012'], public: false }]);
    expect((await machine.helper('get', 'ghcr.io')).stdout).toBe('credentials not found in native keychain\n');
  });

  it('the cache is per identity: another AWS_PROFILE mints its own token; the first is still served', async () => {
    const credentials = `[a]\naws_access_key_id = ${standIns.aws.key.accessKeyId}\naws_secret_access_key = ${standIns.aws.key.secretAccessKey}\n[b]\naws_access_key_id = ${standIns.aws.key.accessKeyId}\naws_secret_access_key = ${standIns.aws.key.secretAccessKey}\n`;
    const machine = awsMachine({ ...awsFiles('', credentials), AWS_PROFILE: 'a' });
    const { reply: first } = await loginAndGet(machine, HOSTS.ecr);
    const before = standIns.aws.minted.length;
    const b = JSON.parse((await machine.helper('get', HOSTS.ecr, { AWS_PROFILE: 'b' })).stdout);
    expect(b.Secret).not.toBe(first.Secret);
    expect(JSON.parse((await machine.helper('get', HOSTS.ecr, { AWS_PROFILE: 'a' })).stdout).Secret).toBe(first.Secret);
    expect(standIns.aws.minted.length).toBe(before + 1);
  });

  it('a token the registry refuses: dcm check exits 3 and drops it; the next get mints a new one that works', async () => {
    const machine = awsMachine(keys());
    const { reply } = await loginAndGet(machine, HOSTS.ecr);
    standIns.secrets.ecrTokens.delete(reply.Secret);
    const check = await machine.dcm(['check', HOSTS.ecr]);
    expect(check).toExit(3);
    const before = standIns.aws.minted.length;
    const fresh = JSON.parse((await machine.helper('get', HOSTS.ecr)).stdout);
    expect(fresh.Secret).not.toBe(reply.Secret);
    expect(standIns.aws.minted.length).toBe(before + 1);
    expect(await machine.dcm(['check', HOSTS.ecr])).toExit(0);
  });
});

describe('Docker and skopeo through credsStore: dcm, pulling from a bound ECR host', () => {
  beforeAll(() => serveImage(standIns, HOSTS.ecr));

  it('a pull works; the registry stops taking the token as it expires; the next pull mints a new one and works', async () => {
    standIns.aws.tokenLifetimeSeconds = 64;
    standIns.aws.tokenAcceptSeconds = 3;
    try {
      const machine = awsMachine(keys());
      expect(await machine.dcm(['setup'])).toExit(0);
      expect(await machine.dcm(['login', HOSTS.ecr, '--provider', 'aws', '--cert-dir', standIns.caDir])).toExit(0);
      const image = `${HOSTS.ecr}/dcm/app:v1`;
      const before = standIns.aws.minted.length;
      const first = await machine.run('docker', ['manifest', 'inspect', '--insecure', image]);
      expect(first).toExit(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ schemaVersion: 2 });
      expect(standIns.aws.minted.length).toBe(before);

      // 4.5 s on: the stand-in refuses the token (403, ECR's expiry sentence), and dcm counts it as
      // within a minute of its 64-second expiry: both say a new one is needed.
      await new Promise((resolve) => setTimeout(resolve, 4500));
      const second = await machine.run('docker', ['manifest', 'inspect', '--insecure', image]);
      expect(second).toExit(0);
      expect(standIns.aws.minted.length).toBe(before + 1);
      // skopeo (containers/image) asks dcm through the registries.conf.d drop-in dcm setup wrote.
      const inspect = await machine.run('skopeo', ['inspect', '--tls-verify=false', `docker://${image}`]);
      expect(inspect).toExit(0);
      expect(JSON.parse(inspect.stdout)).toMatchObject({ Name: `${HOSTS.ecr}/dcm/app` });
    } finally {
      standIns.aws.tokenLifetimeSeconds = 12 * 3600;
      standIns.aws.tokenAcceptSeconds = undefined;
    }
  });
});
