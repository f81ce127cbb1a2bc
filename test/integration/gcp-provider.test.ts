/**
 * `--provider gcp` (issue 24): Application Default Credentials against stand-ins for Google's
 * token services (reached by their real names through a CONNECT proxy, the stand-in CA as
 * SSL_CERT_FILE) and a metadata server on loopback. google-auth-library, Google's own client,
 * gets its token from each stand-in first (test/fixtures/google-oracle.mjs): they answer as
 * Google does. Then dcm, with each kind of ADC: a service-account key (an RS256 JWT the stand-in
 * verifies with the key's public half), gcloud's authorized_user file, workload identity
 * federation with impersonation, and the metadata server; a revoked refresh token; nothing at all.
 * Covers: src/providers/gcp.ts.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireTestSession, tempDir } from '../helpers/env.ts';
import { testMachine } from '../helpers/machine.ts';
import { HOSTS, startStandIns, type StandIns } from '../helpers/registry-standins.ts';
import { run } from '../helpers/spawn.ts';

let standIns: StandIns;
let base: NodeJS.ProcessEnv;
let metadata: Server;
let metadataHost: string;

beforeAll(async () => {
  requireTestSession();
  standIns = await startStandIns();
  base = standIns.env({ ...process.env });
  for (const name of ['GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG', 'GCE_METADATA_HOST']) delete base[name];
  // No gcloud ADC file, and a metadata server that is not there, unless a test says otherwise.
  Object.assign(base, { CLOUDSDK_CONFIG: tempDir('gcloud-none'), GCE_METADATA_HOST: '127.0.0.1:9', DCM_PROVIDER_TIMEOUT_MS: '10000' });
  metadata = createServer((req, res) => {
    if (req.headers['metadata-flavor'] !== 'Google') return res.writeHead(403).end('Missing Metadata-Flavor:Google header.');
    if (req.url?.startsWith('/computeMetadata/v1/instance/service-accounts/default/token'))
      return res
        .writeHead(200, { 'content-type': 'application/json', 'metadata-flavor': 'Google' })
        .end(JSON.stringify({ access_token: standIns.secrets.gar.accessToken, expires_in: 3000, token_type: 'Bearer' }));
    // What gcp-metadata asks to learn whether it is on GCE.
    res.writeHead(200, { 'metadata-flavor': 'Google' }).end('');
  });
  await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
  metadataHost = `127.0.0.1:${(metadata.address() as { port: number }).port}`;
});
afterAll(async () => {
  metadata?.close();
  await standIns?.stop();
});

function keyFile(content: unknown): string {
  const path = join(tempDir('gcp-adc'), 'credentials.json');
  writeFileSync(path, JSON.stringify(content, null, 2));
  return path;
}

function gcpMachine(env: NodeJS.ProcessEnv) {
  const config = tempDir('gcp-xdg');
  mkdirSync(join(config, 'dcm'));
  return testMachine({ config: { credsStore: 'dcm' }, env: { ...base, XDG_CONFIG_HOME: config, SSL_CERT_FILE: join(standIns.caDir, 'ca.crt'), ...env } });
}

/** Google's client, with the same ADC: its token (the stand-in's answer to it). */
async function oracle(env: NodeJS.ProcessEnv): Promise<string> {
  const result = await run(join(ROOT, 'node_modules', '.bin', 'node'), [join(ROOT, 'test/fixtures/google-oracle.mjs')], {
    env: {
      ...base,
      NODE_EXTRA_CA_CERTS: join(standIns.caDir, 'ca.crt'),
      NO_PROXY: '127.0.0.1',
      no_proxy: '127.0.0.1',
      GOOGLE_CLOUD_PROJECT: 'dcm-test',
      ...env,
    },
  });
  expect(result).toExit(0);
  return result.stdout.trim();
}

async function loginAndGet(machine: ReturnType<typeof gcpMachine>) {
  const login = await machine.dcm(['login', HOSTS.gar, '--provider', 'gcp', '--cert-dir', standIns.caDir]);
  expect(login).toExit(0);
  const get = await machine.helper('get', HOSTS.gar);
  expect(get).toExit(0);
  return { login, reply: JSON.parse(get.stdout) as { Username: string; Secret: string } };
}

describe('dcm login --provider gcp', () => {
  it('a service-account key: its own JWT at its token_uri; google-auth-library gets the same token there', async () => {
    const env = { GOOGLE_APPLICATION_CREDENTIALS: keyFile(standIns.google.serviceAccount) };
    expect(await oracle(env)).toBe(standIns.secrets.gar.accessToken);
    const { login, reply } = await loginAndGet(gcpMachine(env));
    expect(login.stdout).toContain('minted from service account pusher@dcm-test.iam.gserviceaccount.com');
    expect(reply).toEqual({ ServerURL: HOSTS.gar, Username: 'oauth2accesstoken', Secret: standIns.secrets.gar.accessToken });
  });

  it('gcloud’s authorized_user file (CLOUDSDK_CONFIG): the refresh token grant', async () => {
    const gcloud = tempDir('gcloud');
    writeFileSync(join(gcloud, 'application_default_credentials.json'), JSON.stringify(standIns.google.authorizedUser));
    expect(await oracle({ CLOUDSDK_CONFIG: gcloud })).toBe(standIns.secrets.gar.accessToken);
    const { login } = await loginAndGet(gcpMachine({ CLOUDSDK_CONFIG: gcloud }));
    expect(login.stdout).toContain('minted from user dev@example.com');
  });

  it('a revoked refresh token: Google’s error and description, in one line', async () => {
    const gcloud = tempDir('gcloud-revoked');
    writeFileSync(join(gcloud, 'application_default_credentials.json'), JSON.stringify({ ...standIns.google.authorizedUser, refresh_token: '1//revoked' }));
    const login = await gcpMachine({ CLOUDSDK_CONFIG: gcloud }).dcm(['login', HOSTS.gar, '--provider', 'gcp']);
    expect(login).toExit(3);
    expect(login.stderr).toBe(
      'dcm: gcp: the token endpoint for your gcloud login (oauth2.googleapis.com) refused: invalid_grant: Token has been expired or revoked.\n',
    );
  });

  it('workload identity federation (an external_account file, GitHub’s OIDC token in a file), impersonating a service account', async () => {
    const dir = tempDir('gcp-wif');
    writeFileSync(join(dir, 'oidc-token'), standIns.google.federation.subjectToken);
    const env = {
      GOOGLE_APPLICATION_CREDENTIALS: keyFile({
        type: 'external_account',
        audience: standIns.google.federation.audience,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: 'https://sts.googleapis.com/v1/token',
        service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${standIns.google.federation.serviceAccount}:generateAccessToken`,
        credential_source: { file: join(dir, 'oidc-token') },
      }),
    };
    expect(await oracle(env)).toBe(standIns.secrets.gar.accessToken);
    standIns.google.seen.length = 0;
    const { login } = await loginAndGet(gcpMachine(env));
    expect(login.stdout).toContain(`minted from workload identity as ${standIns.google.federation.serviceAccount}`);
    expect(standIns.google.seen).toEqual(['sts urn:ietf:params:oauth:grant-type:token-exchange', `impersonate ${standIns.google.federation.serviceAccount}`]);
  });

  it('the metadata server (GCE_METADATA_HOST), asked directly even with a proxy set', async () => {
    expect(await oracle({ GCE_METADATA_HOST: metadataHost })).toBe(standIns.secrets.gar.accessToken);
    const { login } = await loginAndGet(gcpMachine({ GCE_METADATA_HOST: metadataHost }));
    expect(login.stdout).toContain(`minted from the metadata server's default service account (${metadataHost})`);
  });

  it('nothing at all: one line naming what was looked for and the command that fixes it', async () => {
    const login = await gcpMachine({}).dcm(['login', HOSTS.gar, '--provider', 'gcp']);
    expect(login).toExit(3);
    expect(login.stderr).toMatch(
      /^dcm: gcp: no Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS is not set, gcloud has no ADC file, and the metadata server did not answer \(.*\); run: gcloud auth application-default login\n$/,
    );
  });
});
