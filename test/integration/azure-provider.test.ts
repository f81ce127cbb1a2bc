/**
 * `--provider azure` (issue 24) against a stand-in for Entra ID's token endpoint and ACR's
 * `/oauth2/exchange`, reached by their real names through a CONNECT proxy (the stand-in CA as
 * SSL_CERT_FILE), then the ACR stand-in's own token flow with the refresh token dcm hands out:
 * a service principal, workload identity (a federated token file), managed identity (IMDS on
 * loopback), a wrong secret (Entra's first line, without its trace ids), and nothing at all.
 * Covers: src/providers/azure.ts.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession, tempDir } from '../helpers/env.ts';
import { serveImage } from '../helpers/image-backend.ts';
import { testMachine } from '../helpers/machine.ts';
import { ACR_ZERO_USER, HOSTS, startStandIns, type StandIns } from '../helpers/registry-standins.ts';
import { jwt } from '../helpers/tokens.ts';

let standIns: StandIns;
let base: NodeJS.ProcessEnv;
let imds: Server;
let imdsUrl: string;

beforeAll(async () => {
  requireTestSession();
  standIns = await startStandIns();
  base = standIns.env({ ...process.env });
  for (const name of Object.keys(base)) if (name.startsWith('AZURE_') || name.startsWith('IDENTITY_')) delete base[name];
  // No Azure CLI (a PATH without it: Node, the Docker CLI, the system), and no IMDS, unless a test says otherwise.
  Object.assign(base, {
    AZURE_IMDS_ENDPOINT: 'http://127.0.0.1:9',
    AZURE_CONFIG_DIR: tempDir('azure-none'),
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    DCM_PROVIDER_TIMEOUT_MS: '10000',
  });
  imds = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://imds');
    if (req.headers.metadata !== 'true' || url.pathname !== '/metadata/identity/oauth2/token') return res.writeHead(400).end('{"error":"invalid_request"}');
    const token = jwt({ aud: url.searchParams.get('resource'), tid: standIns.entra.tenant, exp: Math.floor(Date.now() / 1000) + 3600 });
    standIns.entra.issued.add(token);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: token, expires_in: '3599', resource: url.searchParams.get('resource'), token_type: 'Bearer' }));
  });
  await new Promise<void>((resolve) => imds.listen(0, '127.0.0.1', resolve));
  imdsUrl = `http://127.0.0.1:${(imds.address() as { port: number }).port}`;
});
afterAll(async () => {
  imds?.close();
  await standIns?.stop();
});

function azureMachine(env: NodeJS.ProcessEnv) {
  const config = tempDir('azure-xdg');
  mkdirSync(join(config, 'dcm'));
  return testMachine({ config: { credsStore: 'dcm' }, env: { ...base, XDG_CONFIG_HOME: config, SSL_CERT_FILE: join(standIns.caDir, 'ca.crt'), ...env } });
}

async function loginAndGet(machine: ReturnType<typeof azureMachine>) {
  const login = await machine.dcm(['login', HOSTS.acr, '--provider', 'azure', '--cert-dir', standIns.caDir]);
  expect(login).toExit(0);
  const get = await machine.helper('get', HOSTS.acr);
  expect(get).toExit(0);
  const reply = JSON.parse(get.stdout) as { Username: string; Secret: string };
  // What az acr login --expose-token hands out: the zero GUID and an ACR refresh token, ~3 hours.
  expect(reply.Username).toBe(ACR_ZERO_USER);
  const exp = (JSON.parse(Buffer.from(reply.Secret.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
  expect(exp - Date.now()).toBeGreaterThan(2.9 * 3600_000);
  return { login, reply };
}

const sp = () => ({ AZURE_TENANT_ID: standIns.entra.tenant, AZURE_CLIENT_ID: standIns.entra.app.clientId });

describe('dcm login --provider azure', () => {
  it('a service principal (AZURE_CLIENT_SECRET): Entra, then the exchange; the registry takes the refresh token', async () => {
    const machine = azureMachine({ ...sp(), AZURE_CLIENT_SECRET: standIns.entra.app.clientSecret });
    const { login } = await loginAndGet(machine);
    expect(login.stdout).toContain(`minted from service principal ${standIns.entra.app.clientId} (tenant ${standIns.entra.tenant})`);
    const rows = JSON.parse((await machine.dcm(['ls', '--json'])).stdout);
    expect(rows).toEqual([expect.objectContaining({ registry: HOSTS.acr, username: ACR_ZERO_USER, kind: 'provider:azure' })]);
    expect(JSON.stringify(rows)).not.toContain(standIns.entra.app.clientSecret);
    expect(await machine.dcm(['check', HOSTS.acr])).toExit(0);
  });

  it('workload identity (AZURE_FEDERATED_TOKEN_FILE): the federated token as the client assertion', async () => {
    const dir = tempDir('azure-wi');
    writeFileSync(join(dir, 'token'), standIns.entra.federatedToken);
    const { login } = await loginAndGet(azureMachine({ ...sp(), AZURE_FEDERATED_TOKEN_FILE: join(dir, 'token') }));
    expect(login.stdout).toContain(`minted from workload identity ${standIns.entra.app.clientId}`);
  });

  it('managed identity (IMDS): asked directly, with Metadata: true', async () => {
    const { login } = await loginAndGet(azureMachine({ AZURE_IMDS_ENDPOINT: imdsUrl }));
    expect(login.stdout).toContain('minted from managed identity (IMDS)');
  });

  it('a wrong client secret: Entra’s error in one line, without its trace and correlation ids', async () => {
    const login = await azureMachine({ ...sp(), AZURE_CLIENT_SECRET: 'wrong' }).dcm(['login', HOSTS.acr, '--provider', 'azure']);
    expect(login).toExit(3);
    expect(login.stderr).toBe(
      `dcm: azure: Entra (login.microsoftonline.com) for service principal ${standIns.entra.app.clientId} refused: invalid_client: AADSTS7000215: Invalid client secret provided.\n`,
    );
  });

  it('nothing at all: one line naming each source that was tried', async () => {
    const login = await azureMachine({}).dcm(['login', HOSTS.acr, '--provider', 'azure']);
    expect(login).toExit(3);
    expect(login.stderr).toMatch(
      /^dcm: azure: no Entra identity: no AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE .*, no managed identity \(.*\), no Azure CLI login \(azure: az is not on PATH\)\n$/,
    );
  });
});

describe('Docker and skopeo through credsStore: dcm, pulling from a bound ACR', () => {
  beforeAll(() => serveImage(standIns, HOSTS.acr));

  it('docker manifest inspect and skopeo inspect get the ACR refresh token from dcm and go through ACR’s own token flow', async () => {
    const machine = azureMachine({ ...sp(), AZURE_CLIENT_SECRET: standIns.entra.app.clientSecret });
    expect(await machine.dcm(['setup'])).toExit(0);
    expect(await machine.dcm(['login', HOSTS.acr, '--provider', 'azure', '--cert-dir', standIns.caDir])).toExit(0);
    const image = `${HOSTS.acr}/dcm/app:v1`;
    const docker = await machine.run('docker', ['manifest', 'inspect', '--insecure', image]);
    expect(docker).toExit(0);
    expect(JSON.parse(docker.stdout)).toMatchObject({ schemaVersion: 2 });
    const skopeo = await machine.run('skopeo', ['inspect', '--tls-verify=false', `docker://${image}`]);
    expect(skopeo).toExit(0);
    expect(JSON.parse(skopeo.stdout)).toMatchObject({ Name: `${HOSTS.acr}/dcm/app` });
  });
});
