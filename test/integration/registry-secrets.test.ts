/**
 * Secrets as the registries hand them out, end to end with clients that are not ours: a
 * multi-line service-account JSON key and a 4 KB token, stored by `dcm login --password-stdin`
 * and then used by the Docker CLI (`docker manifest inspect`) and skopeo through dcm, against
 * registries that compare every byte of the Basic credentials. And daemon.json's
 * `insecure-registries`, honoured as Docker honours it.
 * Covers: src/cli/registry-target.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { testMachine } from '../helpers/machine.ts';
import { fakeHttpServer, type FakeServer } from '../helpers/fake-server.ts';
import { makeCa, makeServerCert } from '../helpers/pki.ts';
import { startNamedTlsRegistry, startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const JSON_KEY = `${JSON.stringify(
  {
    type: 'service_account',
    project_id: 'dcm-test',
    private_key: `-----BEGIN PRIVATE KEY-----\n${randomBytes(96).toString('base64')}\n${randomBytes(96).toString('base64')}\n-----END PRIVATE KEY-----\n`,
    client_email: 'pusher@dcm-test.iam.gserviceaccount.com',
  },
  null,
  2,
)}`;
const LONG_TOKEN = randomBytes(3072).toString('base64'); // 4 KB, longer than ECR's and most JWTs

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const CONFIG = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha256(CONFIG), size: Buffer.byteLength(CONFIG) },
  layers: [],
});
const API_VERSION = { 'docker-distribution-api-version': 'registry/2.0' };

/** A registry on loopback that takes exactly one username and secret, byte for byte, over Basic auth. */
function exactBasicRegistry(username: string, secret: string): Promise<FakeServer> {
  const expected = `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
  return fakeHttpServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="exact"', 'content-type': 'application/json', ...API_VERSION });
      return res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    if (req.url === '/v2/') return res.writeHead(200, { 'content-type': 'application/json', ...API_VERSION }).end('{}');
    const blob = (type: string, body: string) => {
      res.writeHead(200, { 'content-type': type, 'docker-content-digest': sha256(body), 'content-length': Buffer.byteLength(body), ...API_VERSION });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.url === '/v2/dcm/app/manifests/latest') return blob('application/vnd.docker.distribution.manifest.v2+json', MANIFEST);
    if (req.url === `/v2/dcm/app/blobs/${sha256(CONFIG)}`) return blob('application/octet-stream', CONFIG);
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown' }] }));
  });
}

describe('a multi-line JSON key and a long token, through Docker and skopeo', () => {
  const servers: FakeServer[] = [];
  let env: NodeJS.ProcessEnv;
  let jsonKeyHost: string;
  let longTokenHost: string;

  beforeAll(async () => {
    requireTestSession();
    const jsonKeyRegistry = await exactBasicRegistry('_json_key', JSON_KEY);
    const longTokenRegistry = await exactBasicRegistry('AWS', LONG_TOKEN);
    servers.push(jsonKeyRegistry, longTokenRegistry);
    jsonKeyHost = `127.0.0.1:${jsonKeyRegistry.port}`;
    longTokenHost = `127.0.0.1:${longTokenRegistry.port}`;
    env = testMachine({ config: { credHelpers: { [jsonKeyHost]: 'dcm', [longTokenHost]: 'dcm' } } }).env;
  });
  afterAll(async () => {
    await run(bin.dcm, ['logout', jsonKeyHost], { env });
    await run(bin.dcm, ['logout', longTokenHost], { env });
    for (const server of servers) await server.stop();
  });

  it.each([
    ['the JSON key, as a file with its trailing newline', () => jsonKeyHost, '_json_key', () => `${JSON_KEY}\n`, () => JSON_KEY],
    ['the 4 KB token, with CRLF', () => longTokenHost, 'AWS', () => `${LONG_TOKEN}\r\n`, () => LONG_TOKEN],
  ])('dcm login stores %s byte for byte, and the Docker CLI and skopeo use it', async (_name, host, username, stdin, secret) => {
    const login = await run(bin.dcm, ['login', host(), '-u', username, '--password-stdin'], { stdin: stdin(), env });
    expect(login.stderr).toBe('');
    expect(login).toExit(0);

    const stored = await run(bin.helper, ['get'], { stdin: host(), env });
    expect(JSON.parse(stored.stdout)).toEqual({ ServerURL: host(), Username: username, Secret: secret() });

    // The CLI's manifest client reaches plain HTTP only with --insecure, even on loopback.
    const docker = await run('docker', ['manifest', 'inspect', '--insecure', `${host()}/dcm/app:latest`], { env });
    expect(docker.stderr).toBe('');
    expect(docker).toExit(0);
    expect(JSON.parse(docker.stdout)).toMatchObject({ schemaVersion: 2 });

    const skopeo = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${host()}/dcm/app:latest`], { env });
    expect(skopeo.stderr).toBe('');
    expect(skopeo).toExit(0);
    expect(skopeo.stdout).toBe(MANIFEST);

    for (const output of [login.stdout, docker.stdout, docker.stderr, skopeo.stderr]) expect(output).not.toContain(secret().slice(30, 60));
  });
});

describe("daemon.json's insecure-registries", () => {
  let registry: RunningRegistry;
  // The same kind of registry under a name not on this machine (loopback is insecure by default, as in Docker).
  let named: Awaited<ReturnType<typeof startNamedTlsRegistry>>;
  const USER = 'insecure-user';
  const PASSWORD = 'insecure-Pa55-word';
  const daemonDir = tempDir('daemon');
  const daemonJson = join(daemonDir, 'daemon.json');
  const dcm = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    run(bin.dcm, [...args, '-u', USER, '--password-stdin', '--timeout', '5'], { stdin: PASSWORD, env: { ...process.env, ...extraEnv } });

  beforeAll(async () => {
    requireTestSession();
    // TLS from a CA nobody is told about: without insecure-registries this is exit 5.
    const ca = makeCa('unknown-ca');
    registry = await startRegistry({ [USER]: PASSWORD }, { tls: makeServerCert(ca, ['IP:127.0.0.1']) });
    named = await startNamedTlsRegistry('insecure.registry.test', { [USER]: PASSWORD }, makeServerCert(ca, ['DNS:insecure.registry.test']));
  });
  afterAll(async () => {
    await run(bin.dcm, ['logout', registry.host]);
    await run(bin.dcm, ['logout', named?.host ?? 'insecure.registry.test']);
    await registry?.stop();
    await named?.stop();
  });

  it('a registry not listed: the certificate is verified (exit 5)', async () => {
    writeFileSync(daemonJson, JSON.stringify({ 'insecure-registries': ['elsewhere.example:5000'] }));
    const result = await dcm(['login', named.host, '--daemon-config', daemonJson], named.env);
    expect(result).toExit(5);
    expect(result.stderr).toMatch(/signed by an unknown authority/);
  });

  it('the same registry listed by name is treated as --insecure', async () => {
    writeFileSync(daemonJson, JSON.stringify({ 'insecure-registries': [named.host] }));
    const result = await dcm(['login', named.host, '--daemon-config', daemonJson], named.env);
    expect(result).toExit(0);
    expect(result.stderr).toContain(`note: ${named.host} is in insecure-registries`);
  });

  it.each([
    ['its host:port', () => [registry.host]],
    ['a CIDR holding it', () => ['10.0.0.0/8', '127.0.0.0/8']],
  ])('a registry listed by %s is treated as --insecure, and a note says so', async (_name, entries) => {
    writeFileSync(daemonJson, JSON.stringify({ debug: true, 'insecure-registries': entries() }, null, 2));
    const before = readFileSync(daemonJson, 'utf8');
    const result = await dcm(['login', registry.host, '--daemon-config', daemonJson]);
    expect(result).toExit(0);
    expect(result.stdout).toBe('Login Succeeded\n');
    expect(result.stderr).toMatch(
      new RegExp(
        `note: ${registry.host.replace(/\./g, '\\.')} is in insecure-registries \\(.+\\) in ${daemonJson.replace(/\./g, '\\.')}: TLS is not verified for it`,
      ),
    );
    expect(readFileSync(daemonJson, 'utf8')).toBe(before);
  });

  it("the rootless daemon's $XDG_CONFIG_HOME/docker/daemon.json is read by default", async () => {
    const xdg = tempDir('xdg');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(xdg, 'docker'));
    writeFileSync(join(xdg, 'docker', 'daemon.json'), JSON.stringify({ 'insecure-registries': [registry.host] }));
    const result = await dcm(['login', registry.host], { XDG_CONFIG_HOME: xdg });
    expect(result.stderr).toContain(join(xdg, 'docker', 'daemon.json'));
    expect(result).toExit(0);
  });

  it.each([
    ['not JSON', '{"insecure-registries": ['],
    ['an array', '[]'],
  ])('a daemon.json that is %s: one warning, and the registry stays secure (exit 5)', async (_name, text) => {
    writeFileSync(daemonJson, text);
    const result = await dcm(['login', named.host, '--daemon-config', daemonJson], named.env);
    expect(result).toExit(5);
    expect(result.stderr).toMatch(/warning: .*daemon\.json .*; its insecure-registries are not applied/);
    expect(readFileSync(daemonJson, 'utf8')).toBe(text);
  });
});
