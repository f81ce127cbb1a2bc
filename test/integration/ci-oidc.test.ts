/**
 * CI logins from the job's own OIDC identity (issue 25): `--oidc github` driven by the runner's
 * documented environment against a loopback stand-in for GitHub's token service, `--oidc gitlab`
 * by the job's id_tokens variable; the token exchanged at AWS STS, Google STS (then IAM
 * impersonation) and Entra stand-ins that trust the issuer's signature and check the audience
 * each cloud expects; then the registry token, verified at the registry stand-in. No static
 * secret in the job. And retries: a token service that answers 503 is asked again, with backoff;
 * one that refuses is asked once.
 * Covers: src/providers/oidc.ts.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCiIssuer, type CiIssuer } from '../helpers/ci-oidc.ts';
import { requireTestSession, tempDir } from '../helpers/env.ts';
import { testMachine } from '../helpers/machine.ts';
import { HOSTS, startStandIns, type StandIns } from '../helpers/registry-standins.ts';

let standIns: StandIns;
let issuer: CiIssuer;

beforeAll(async () => {
  requireTestSession();
  standIns = await startStandIns();
  issuer = await startCiIssuer();
  standIns.aws.trustedIssuer = issuer.verify;
  standIns.google.trustedIssuer = issuer.verify;
  standIns.entra.trustedIssuer = issuer.verify;
});
afterAll(async () => {
  await issuer?.stop();
  await standIns?.stop();
});

/** A CI job: no cloud credentials at all, the stand-ins' CA trusted, the job's OIDC environment. */
function job(env: Record<string, string>) {
  const config = tempDir('ci-xdg');
  mkdirSync(join(config, 'dcm'));
  const base = standIns.env({ ...process.env });
  for (const name of Object.keys(base)) if (/^(AWS_|AZURE_|GOOGLE_|ACTIONS_|GITHUB_|CI_|DCM_ID_TOKEN)/.test(name)) delete base[name];
  const machine = testMachine({
    config: { credsStore: 'dcm' },
    env: {
      ...base,
      XDG_CONFIG_HOME: config,
      SSL_CERT_FILE: join(standIns.caDir, 'ca.crt'),
      AWS_CA_BUNDLE: join(standIns.caDir, 'ca.crt'),
      AWS_EC2_METADATA_DISABLED: 'true',
      CLOUDSDK_CONFIG: tempDir('ci-gcloud'),
      GCE_METADATA_HOST: '127.0.0.1:9',
      DCM_PROVIDER_TIMEOUT_MS: '15000',
      ...env,
    },
  });
  return { ...machine, settings: join(config, 'dcm', 'config.json') };
}

const login = (machine: ReturnType<typeof job>, host: string, args: string[]) => machine.dcm(['login', host, ...args, '--cert-dir', standIns.caDir]);

describe('--oidc github', () => {
  it('aws: the job’s token for sts.amazonaws.com, AssumeRoleWithWebIdentity, then ECR', async () => {
    const machine = job(issuer.env);
    const before = standIns.aws.minted.length;
    const result = await login(machine, HOSTS.ecr, ['--provider', 'aws', '--oidc', 'github', '--role', standIns.aws.webIdentity.roleArn]);
    expect(result).toExit(0);
    expect(result.stdout).toContain(`minted from account 123456789012, github OIDC as ${standIns.aws.webIdentity.roleArn}`);
    expect(issuer.requests.at(-1)).toBe('sts.amazonaws.com');
    expect(standIns.aws.minted[before]!.accessKeyId).toMatch(/^ASIA/);
    const get = JSON.parse((await machine.helper('get', HOSTS.ecr)).stdout);
    expect(standIns.secrets.ecrTokens.has(get.Secret)).toBe(true);
    // The binding holds the role, never a token.
    const settings = readFileSync(machine.settings, 'utf8');
    expect(JSON.parse(settings).providers[HOSTS.ecr]).toEqual({ provider: 'aws', oidc: 'github', role: standIns.aws.webIdentity.roleArn });
    expect(settings).not.toContain(issuer.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
  });

  it('gcp: workload identity federation with the job’s token (audience https://iam.googleapis.com/…), impersonating the service account', async () => {
    const machine = job(issuer.env);
    const result = await login(machine, HOSTS.gar, [
      '--provider',
      'gcp',
      '--oidc',
      'github',
      '--audience',
      standIns.google.federation.audience,
      '--service-account',
      standIns.google.federation.serviceAccount,
    ]);
    expect(result).toExit(0);
    expect(issuer.requests.at(-1)).toBe(`https:${standIns.google.federation.audience}`);
    expect(result.stdout).toContain(`minted from workload identity as ${standIns.google.federation.serviceAccount}`);
  });

  it('azure: the job’s token as the client assertion (audience api://AzureADTokenExchange), then the ACR exchange', async () => {
    const machine = job(issuer.env);
    const result = await login(machine, HOSTS.acr, [
      '--provider',
      'azure',
      '--oidc',
      'github',
      '--tenant',
      standIns.entra.tenant,
      '--client-id',
      standIns.entra.app.clientId,
    ]);
    expect(result).toExit(0);
    expect(issuer.requests.at(-1)).toBe('api://AzureADTokenExchange');
    expect(result.stdout).toContain(`minted from github OIDC as app ${standIns.entra.app.clientId}`);
  });

  it('a job without id-token: write: one line saying so, exit 2', async () => {
    const result = await login(job({}), HOSTS.ecr, ['--provider', 'aws', '--oidc', 'github', '--role', standIns.aws.webIdentity.roleArn]);
    expect(result).toExit(2);
    expect(result.stderr).toBe('dcm: oidc: ACTIONS_ID_TOKEN_REQUEST_URL is not set: give the job permissions: id-token: write\n');
  });

  it('a token service that answers 503 twice is asked again, with backoff, and the login succeeds', async () => {
    const machine = job(issuer.env);
    const before = issuer.requests.length;
    issuer.failFirst = 2;
    const result = await login(machine, HOSTS.ecr, ['--provider', 'aws', '--oidc', 'github', '--role', standIns.aws.webIdentity.roleArn]);
    expect(result).toExit(0);
    expect(issuer.requests.length - before).toBe(3);
  });

  it('a token service that refuses (403) is asked once: a refusal is an answer', async () => {
    const machine = job(issuer.env);
    const before = issuer.requests.length;
    issuer.refuse = true;
    try {
      const result = await login(machine, HOSTS.ecr, ['--provider', 'aws', '--oidc', 'github', '--role', standIns.aws.webIdentity.roleArn]);
      expect(result).toExit(3);
      expect(result.stderr).toMatch(/^dcm: oidc: GitHub's OIDC token service \(127\.0\.0\.1:\d+\) answered HTTP 403 without a token\n$/);
      expect(issuer.requests.length - before).toBe(1);
    } finally {
      issuer.refuse = false;
    }
  });
});

describe('--oidc gitlab', () => {
  it('aws: the job’s id_tokens entry (DCM_ID_TOKEN) for sts.amazonaws.com', async () => {
    const machine = job({ DCM_ID_TOKEN: issuer.gitlabToken('sts.amazonaws.com'), CI_JOB_ID: '7' });
    const result = await login(machine, HOSTS.ecr, ['--provider', 'aws', '--oidc', 'gitlab', '--role', standIns.aws.webIdentity.roleArn]);
    expect(result).toExit(0);
    expect(result.stdout).toContain('gitlab OIDC as');
  });

  it('a token for another audience is refused by STS, in one line', async () => {
    const machine = job({ DCM_ID_TOKEN: issuer.gitlabToken('https://gitlab.com'), CI_JOB_ID: '8' });
    const result = await login(machine, HOSTS.ecr, ['--provider', 'aws', '--oidc', 'gitlab', '--role', standIns.aws.webIdentity.roleArn]);
    expect(result).toExit(3);
    expect(result.stderr).toMatch(/^dcm: aws: STS AssumeRoleWithWebIdentity for .* was refused: InvalidIdentityToken: /);
  });

  it('no DCM_ID_TOKEN: the .gitlab-ci.yml lines that give the job one', async () => {
    const result = await login(job({}), HOSTS.ecr, ['--provider', 'aws', '--oidc', 'gitlab', '--role', standIns.aws.webIdentity.roleArn]);
    expect(result).toExit(2);
    expect(result.stderr).toBe(
      'dcm: oidc: DCM_ID_TOKEN is not set; give the job an id token: id_tokens: { DCM_ID_TOKEN: { aud: "sts.amazonaws.com" } } in .gitlab-ci.yml\n',
    );
  });
});
