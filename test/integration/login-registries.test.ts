/**
 * `dcm login` and `dcm check` against the real CNCF registry in three set-ups on loopback:
 * htpasswd over HTTP, htpasswd over TLS with a test CA, and token auth with a token service
 * that signs ES256 JWTs. skopeo then pushes with what dcm stored.
 * Covers: src/registry/tls-trust.ts, src/registry/transport.ts.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { writeOciLayout } from '../helpers/oci-image.ts';
import { makeCa, makeServerCert, makeSigningCert } from '../helpers/pki.ts';
import { startNamedTlsRegistry, startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';
import { startTokenIssuer, type TokenIssuer } from '../helpers/token-issuer.ts';

const USER = 'ci-robot';
const PASSWORD = 'c0rrect-Horse$battery "staple"';

interface Setup {
  name: string;
  start(): Promise<{ registry: RunningRegistry; caDir?: string; issuer?: TokenIssuer }>;
  /** What `docker-credential-dcm get` returns after login. */
  storedUsername: string;
}

const setups: Setup[] = [
  { name: 'htpasswd over HTTP', storedUsername: USER, start: async () => ({ registry: await startRegistry({ [USER]: PASSWORD }) }) },
  {
    name: 'htpasswd over TLS with a test CA',
    storedUsername: USER,
    start: async () => {
      const ca = makeCa();
      const tls = makeServerCert(ca, ['IP:127.0.0.1', 'DNS:localhost']);
      const caDir = tempDir('ca-dir');
      writeFileSync(join(caDir, 'ca.crt'), (await import('node:fs')).readFileSync(ca.certPath));
      return { registry: await startRegistry({ [USER]: PASSWORD }, { tls }), caDir };
    },
  },
  {
    name: 'token auth (ES256 JWTs with x5c)',
    // The token service returns a refresh token, which dcm keeps as Docker does.
    storedUsername: '<token>',
    start: async () => {
      const signer = makeSigningCert();
      const issuer = await startTokenIssuer({ ...signer, issuer: 'dcm-test-issuer', service: 'dcm-test-registry', users: { [USER]: PASSWORD } });
      const registry = await startRegistry(
        {},
        { token: { realm: issuer.realm, service: 'dcm-test-registry', issuer: 'dcm-test-issuer', rootCertBundle: signer.certPath } },
      );
      return { registry, issuer };
    },
  },
];

describe.each(setups)('dcm login: $name', (setup) => {
  let registry: RunningRegistry;
  let issuer: TokenIssuer | undefined;
  let caDir: string | undefined;
  let env: NodeJS.ProcessEnv;
  const bin = dcmBinDir();
  const dockerConfig = tempDir('docker-config');

  const dcm = (args: string[], stdin = '') => run(bin.dcm, args, { stdin, env, timeoutMs: 60_000 });
  const helperGet = () => run(bin.helper, ['get'], { stdin: registry.host, env });
  const certArgs = () => (caDir ? ['--cert-dir', caDir] : []);

  beforeAll(async () => {
    requireTestSession();
    ({ registry, issuer, caDir } = await setup.start());
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'dcm' } }));
    env = { ...process.env, PATH: `${bin.dir}:${process.env.PATH}`, DOCKER_CONFIG: dockerConfig };
  });
  afterAll(async () => {
    await dcm(['logout', registry.host]);
    await registry?.stop();
    await issuer?.stop();
  });

  it('a wrong password fails with the credentials message, exit 3, and stores nothing', async () => {
    const result = await dcm(['login', registry.host, '-u', USER, '--password-stdin', ...certArgs()], 'not-the-password\n');
    expect(result).toExit(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^dcm: .*(unauthorized|incorrect username or password|refused).*wrong username or password/);
    expect(result.stderr).not.toContain('not-the-password');
    expect((await helperGet()).stdout).toBe('credentials not found in native keychain\n');
  });

  it('the right password logs in, and the helper then returns the login', async () => {
    const result = await dcm(['login', `https://${registry.host}/`, '-u', USER, '--password-stdin', ...certArgs()], `${PASSWORD}\n`);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ stdout: 'Login Succeeded\n', code: 0 });
    const got = JSON.parse((await helperGet()).stdout);
    expect(got.Username).toBe(setup.storedUsername);
    if (setup.storedUsername === USER) expect(got.Secret).toBe(PASSWORD);
    else expect(issuer!.refreshTokens.get(got.Secret)).toBe(USER);
    const ls = JSON.parse((await dcm(['ls', '--json'])).stdout);
    expect(ls).toContainEqual(
      setup.storedUsername === USER
        ? { registry: registry.host, username: USER, kind: 'password', source: 'dcm', store: 'os', expiresAt: null }
        : { registry: registry.host, username: null, kind: 'identity-token', source: 'dcm', store: 'os', expiresAt: null },
    );
  });

  it('skopeo pushes with what dcm login stored', async () => {
    const layout = tempDir('oci');
    mkdirSync(layout, { recursive: true });
    writeOciLayout(layout, 'v1');
    const tlsArgs = caDir ? ['--dest-cert-dir', caDir] : ['--dest-tls-verify=false'];
    const copy = await run(
      'skopeo',
      ['copy', ...tlsArgs, '--authfile', join(dockerConfig, 'config.json'), `oci:${layout}:v1`, `docker://${registry.host}/dcm/login:v1`],
      { env },
    );
    expect(copy.stderr).toBe('');
    expect(copy).toExit(0);
  });

  it('check reports a good login, then a revoked one with exit 3', async () => {
    const good = await dcm(['check', registry.host, '--json', ...certArgs()]);
    expect(good).toExit(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, results: [{ registry: registry.host, ok: true, status: 'ok' }] });

    if (issuer) issuer.users.delete(USER);
    else registry.setUsers({ someone: 'else' });

    const revoked = await dcm(['check', registry.host, ...certArgs()]);
    expect(revoked).toExit(3);
    expect(revoked.stdout).toMatch(new RegExp(`^REGISTRY\\s+USERNAME\\s+STATUS\\s+DETAIL\\n${registry.host.replace(/\./g, '\\.')}\\s+.*\\s+credentials\\s+`));
  });
});

describe('dcm login over TLS without the CA', () => {
  // A name that is not on this machine: Docker (and dcm) do not verify a loopback registry.
  let named: Awaited<ReturnType<typeof startNamedTlsRegistry>>;
  let caPath: string;
  let ca: ReturnType<typeof makeCa>;
  const bin = dcmBinDir();
  beforeAll(async () => {
    requireTestSession();
    ca = makeCa();
    caPath = ca.certPath;
    named = await startNamedTlsRegistry('tls.registry.test', { [USER]: PASSWORD }, makeServerCert(ca, ['DNS:tls.registry.test']));
  });
  afterAll(() => named?.stop());

  it('is refused with the TLS hint, exit 5, and nothing stored', async () => {
    const result = await run(bin.dcm, ['login', named.host, '-u', USER, '--password-stdin'], { stdin: PASSWORD, env: named.env });
    expect(result).toExit(5);
    expect(result.stderr).toMatch(
      /unknown authority.*\/etc\/docker\/certs\.d\/tls\.registry\.test\/ca\.crt.*--cert-dir.*update-ca-certificates, or SSL_CERT_FILE/,
    );
    expect(await run(bin.helper, ['get'], { stdin: named.host })).toExit(1);
  });

  it('a self-signed loopback registry is accepted, as docker login accepts it (moby counts 127.0.0.0/8 and ::1 as insecure; issue 22, item 4)', async () => {
    const local = await startRegistry({ [USER]: PASSWORD }, { tls: makeServerCert(makeCa('nobody-trusts-me'), ['IP:127.0.0.1']) });
    try {
      const result = await run(bin.dcm, ['login', local.host, '-u', USER, '--password-stdin'], { stdin: PASSWORD });
      expect(result).toExit(0);
      const dockerConfig = tempDir('docker-loopback');
      writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'dcm' }));
      const docker = await run('docker', ['login', local.host, '-u', USER, '--password-stdin'], {
        stdin: PASSWORD,
        env: { ...process.env, DOCKER_CONFIG: dockerConfig, PATH: `${bin.dir}:${process.env.PATH}` },
      });
      expect(docker.stdout + docker.stderr).toContain('Login Succeeded');
      expect(await run(bin.dcm, ['logout', local.host])).toExit(0);
    } finally {
      await local.stop();
    }
  });

  it.each([
    ['SSL_CERT_FILE names a bundle holding it', () => ({ SSL_CERT_FILE: caPath })],
    [
      'SSL_CERT_DIR names a directory holding it',
      () => {
        const dir = tempDir('ssl-cert-dir');
        copyFileSync(caPath, join(dir, 'company-ca.pem'));
        return { SSL_CERT_DIR: dir };
      },
    ],
  ])('a CA the system trusts is trusted, as docker and skopeo trust it: %s (issue 22, item 5)', async (_name, extra) => {
    const result = await run(bin.dcm, ['login', named.host, '-u', USER, '--password-stdin'], { stdin: PASSWORD, env: { ...named.env, ...extra() } });
    expect(result).toExit(0);
    expect(await run(bin.dcm, ['logout', named.host])).toExit(0);
  });

  it('a certificate for another name is a name mismatch', async () => {
    const caDir = tempDir('ca-dir');
    writeFileSync(join(caDir, 'ca.crt'), (await import('node:fs')).readFileSync(ca.certPath));
    const other = await startNamedTlsRegistry('mismatch.registry.test', { [USER]: PASSWORD }, makeServerCert(ca, ['DNS:registry.example.test']));
    try {
      const result = await run(bin.dcm, ['login', other.host, '-u', USER, '--password-stdin', '--cert-dir', caDir], { stdin: PASSWORD, env: other.env });
      expect(result).toExit(5);
      expect(result.stderr).toContain('name mismatch');
    } finally {
      await other.stop();
    }
  });
});
