/**
 * `dcm mirror` against the real CNCF registry as a pull-through cache. One registry plays Docker
 * Hub: TLS with a test CA, token auth with a token service that checks a username and password
 * (distribution 2.8's proxy mode can authenticate upstream only to a Bearer realm, as Docker
 * Hub's is), an image pushed with skopeo, reached by its real names `registry-1.docker.io` and
 * `auth.docker.io` through CONNECT proxies on loopback. A second registry runs in proxy mode
 * (`proxy.remoteurl: https://registry-1.docker.io`, with the account) through its own CONNECT
 * proxy, which a test cuts to leave the cache holding an old tag. A counting forwarder in front
 * of the mirror proves dcm never GETs a manifest.
 * Then broken mirrors, each with its class; `mirror ls` over all four formats; `mirror add`/`rm`
 * on daemon.json fixtures.
 * Covers: src/registry/mirror-check.ts, src/registry/manifest.ts, src/cli/commands/mirror/run.ts, src/cli/mirrors.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { connectProxy, fakeHttpServer, forwardRequest, silentTcpServer, type FakeServer } from '../helpers/fake-server.ts';
import { storeJson } from '../helpers/helper-process.ts';
import { writeOciLayout } from '../helpers/oci-image.ts';
import { makeCa, makeServerCert, makeSigningCert } from '../helpers/pki.ts';
import { freePort, startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';
import { startTokenIssuer, type TokenIssuer } from '../helpers/token-issuer.ts';

const bin = dcmBinDir();
const HUB_KEY = 'https://index.docker.io/v1/';
const USER = 'upstream-user';
const PASSWORD = 'upstreamPa55word';

/** An HTTP forwarder in front of the mirror, counting manifest requests by method. */
async function countingFront(target: string): Promise<FakeServer & { manifests: () => Record<string, number> }> {
  const server = await fakeHttpServer((req: IncomingMessage, res: ServerResponse) => forwardRequest(req, res, target));
  return {
    ...server,
    manifests: () => {
      const counts: Record<string, number> = {};
      for (const r of server.requests) if (/\/manifests\//.test(r.url)) counts[r.method] = (counts[r.method] ?? 0) + 1;
      return counts;
    },
  };
}

let upstream: RunningRegistry;
let issuer: TokenIssuer;
let authFront: Server;
let mirror: RunningRegistry;
let front: Awaited<ReturnType<typeof countingFront>>;
/** dcm's and skopeo's way to "Docker Hub"; and the mirror's own, which a test cuts. */
let hubProxy: Awaited<ReturnType<typeof connectProxy>>;
let mirrorsProxy: Awaited<ReturnType<typeof connectProxy>>;
let caCert: string;
let caDir: string;
let env: NodeJS.ProcessEnv;
let daemonJson: string;
const stopLater: Array<{ stop(): Promise<void> }> = [];

const dcm = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(bin.dcm, args, { env: { ...env, ...extra }, timeoutMs: 60_000 });
const mirrorUrl = () => `http://${front.origin.replace('http://', '')}`;
/** Pushes a new image as Docker Hub's library/alpine:latest (Docker's manifest format, as Hub serves). */
const push = async (tag: string) => {
  const layout = tempDir('oci');
  writeOciLayout(layout, tag, tag);
  const skopeoEnv = { ...env, SSL_CERT_FILE: caCert };
  const image = 'docker://registry-1.docker.io/library/alpine:latest';
  const copy = await run('skopeo', ['copy', '--format', 'v2s2', '--dest-creds', `${USER}:${PASSWORD}`, `oci:${layout}:${tag}`, image], { env: skopeoEnv });
  expect(copy).toExit(0);
  const inspect = await run('skopeo', ['inspect', '--creds', `${USER}:${PASSWORD}`, image], { env: skopeoEnv });
  return (JSON.parse(inspect.stdout) as { Digest: string }).Digest;
};

beforeAll(async () => {
  requireTestSession();
  const ca = makeCa();
  caCert = ca.certPath;
  caDir = tempDir('mirror-ca');
  writeFileSync(join(caDir, 'ca.crt'), readFileSync(ca.certPath));
  const hubCert = makeServerCert(ca, ['DNS:registry-1.docker.io', 'DNS:auth.docker.io', 'IP:127.0.0.1']);
  const signer = makeSigningCert();
  issuer = await startTokenIssuer({ ...signer, issuer: 'hub-standin', service: 'registry.docker.io', users: { [USER]: PASSWORD }, refreshTokens: false });
  upstream = await startRegistry(
    {},
    { tls: hubCert, token: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', issuer: 'hub-standin', rootCertBundle: signer.certPath } },
  );
  // auth.docker.io: TLS in front of the token service.
  authFront = createHttpsServer({ cert: readFileSync(hubCert.certPath), key: readFileSync(hubCert.keyPath) }, (req, res) =>
    forwardRequest(req, res, new URL(issuer.realm).host),
  );
  await new Promise<void>((resolve) => authFront.listen(0, '127.0.0.1', resolve));
  const route = (target: string) => ({
    host: '127.0.0.1',
    port: target.startsWith('auth.docker.io:') ? (authFront.address() as { port: number }).port : Number(upstream.host.split(':')[1]),
  });
  hubProxy = await connectProxy(route);
  mirrorsProxy = await connectProxy(route);
  mirror = await startRegistry(
    {},
    {
      anonymous: true,
      proxy: { remoteurl: 'https://registry-1.docker.io', username: USER, password: PASSWORD },
      env: { SSL_CERT_FILE: ca.certPath, HTTPS_PROXY: mirrorsProxy.url, NO_PROXY: '' },
    },
  );
  front = await countingFront(mirror.host);
  const dockerConfig = tempDir('docker-config');
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ credHelpers: {} }));
  daemonJson = join(tempDir('daemon'), 'daemon.json');
  env = { ...process.env, DOCKER_CONFIG: dockerConfig, HTTPS_PROXY: hubProxy.url, NO_PROXY: '127.0.0.1,localhost', XDG_CONFIG_HOME: tempDir('xdg') };
  // The Docker Hub login the classic image store would hand a mirror (the upstream's account).
  expect(await run(bin.helper, ['store'], { stdin: storeJson(HUB_KEY, USER, PASSWORD), env })).toExit(0);
});

afterAll(async () => {
  await run(bin.dcm, ['logout', '--all'], { env });
  await front?.stop();
  await hubProxy?.stop();
  await mirrorsProxy?.stop().catch(() => undefined);
  await mirror?.stop();
  await upstream?.stop();
  await issuer?.stop();
  await new Promise((resolve) => authFront?.close(resolve));
  for (const server of stopLater) await server.stop();
});

const checkJson = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
  const result = await dcm(['mirror', 'check', ...args, '--json', '--cert-dir', caDir, '--timeout', '5'], extra);
  return { code: result.code, stderr: result.stderr, ...(JSON.parse(result.stdout) as { ok: boolean; results: Array<Record<string, unknown>> }) };
};

describe('a pull-through cache of the real CNCF registry', () => {
  let v1: string;
  let v2: string;

  it('ok, with the upstream image’s digest, the same as Docker Hub’s, and no manifest GET', async () => {
    v1 = await push('v1');
    writeFileSync(daemonJson, JSON.stringify({ 'registry-mirrors': [mirrorUrl()], features: { 'containerd-snapshotter': true } }, null, 2));
    front.requests.splice(0);
    const result = await checkJson(['--daemon-config', daemonJson]);
    expect(result).toExit(0);
    expect(result.results).toEqual([
      expect.objectContaining({ url: mirrorUrl(), ok: true, status: 'ok', auth: 'none', digest: v1, upstreamDigest: v1, durationMs: expect.any(Number) }),
    ]);
    expect(front.manifests()).toEqual({ HEAD: 1 });
  });

  it('skopeo pulls the image through the mirror', async () => {
    const inspect = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${front.origin.replace('http://', '')}/library/alpine:latest`], { env });
    expect(inspect).toExit(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ Digest: v1 });
  });

  it('stale: the upstream tag moved while the cache, cut off from it, holds the old image (exit 7)', async () => {
    await mirrorsProxy.stop();
    v2 = await push('v2');
    expect(v2).not.toBe(v1);
    front.requests.splice(0);
    const result = await checkJson([mirrorUrl(), '--daemon-config', daemonJson]);
    expect(result).toExit(7);
    expect(result.results[0]).toMatchObject({ status: 'stale', ok: false, digest: v1, upstreamDigest: v2 });
    expect(result.results[0]!.message).toMatch(/the mirror's copy is stale/);
    expect(front.manifests()).toEqual({ HEAD: 1 });
  });

  it('a table by default, and --image for another official image (not-found, exit 1)', async () => {
    const table = await dcm(['mirror', 'check', mirrorUrl(), '--daemon-config', daemonJson, '--cert-dir', caDir, '--image', 'busybox', '--timeout', '5']);
    expect(table).toExit(1);
    expect(table.stdout).toMatch(/^MIRROR +STATUS +AUTH +TIME +DETAIL$/m);
    expect(table.stdout).toMatch(/not-found .* does not have library\/busybox:latest/);
    expect(front.manifests().GET).toBeUndefined();
  });
});

describe('broken mirrors, each with its class', () => {
  const cases: Array<[string, () => Promise<string>, number, string, RegExp]> = [
    ['a closed port', async () => `http://127.0.0.1:${await freePort()}`, 4, 'network', /connection refused by 127\.0\.0\.1:\d+/],
    [
      'a certificate from an unknown CA',
      async () => {
        const registry = await startRegistry({}, { anonymous: true, tls: makeServerCert(makeCa('other-ca'), ['IP:127.0.0.1']) });
        stopLater.push(registry);
        return `https://${registry.host}`;
      },
      5,
      'tls',
      /signed by an unknown authority\. Add its CA certificate to \/etc\/docker\/certs\.d\/127\.0\.0\.1:\d+\/ca\.crt/,
    ],
    [
      'a web server that is not a registry',
      async () => {
        const web = await fakeHttpServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'));
        stopLater.push(web);
        return web.origin;
      },
      7,
      'registry',
      /is not a registry: GET \/v2\/ answered HTTP 404/,
    ],
    [
      'one that never answers',
      async () => {
        const silent = await silentTcpServer();
        stopLater.push(silent);
        return `http://127.0.0.1:${silent.port}`;
      },
      4,
      'network',
      /timeout: no answer from 127\.0\.0\.1:\d+ within 2 s/,
    ],
  ];
  it.each(cases)('%s', async (_name, start, code, status, message) => {
    const url = await start();
    front.requests.splice(0);
    const result = await dcm(['mirror', 'check', url, '--json', '--cert-dir', caDir, '--timeout', '2']);
    expect(result).toExit(code);
    const { results } = JSON.parse(result.stdout) as { results: Array<{ status: string; message: string }> };
    expect(results[0]).toMatchObject({ status });
    expect(results[0]!.message).toMatch(message);
  });

  it.each([
    ['oversized', `https://${'a'.repeat(5000)}.example`, /^dcm: invalid mirror: longer than 2048 characters\n$/],
    ['no scheme', 'mirror.example.com', /^dcm: invalid mirror: no scheme specified for "mirror\.example\.com"/],
    ['credentials in it', 'https://me:pw@mirror.example.com', /^dcm: invalid mirror: username\/password not allowed in URI\n$/],
  ])('mirror check with a URL that is %s: exit 2, one short line, nothing asked', async (_name, url, message) => {
    const result = await dcm(['mirror', 'check', url, '--timeout', '2']);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.length).toBeLessThan(300);
    expect(result.stdout).toBe('');
  });

  describe('a mirror that demands credentials (Basic auth, the upstream account)', () => {
    let locked: RunningRegistry;
    beforeAll(async () => {
      locked = await startRegistry({ [USER]: PASSWORD });
      stopLater.push(locked);
    });

    it('the containerd image store sends it none: exit 3, and the explanation', async () => {
      writeFileSync(daemonJson, JSON.stringify({ 'registry-mirrors': [`http://${locked.host}`], features: { 'containerd-snapshotter': true } }));
      const result = await checkJson(['--daemon-config', daemonJson]);
      expect(result).toExit(3);
      expect(result.results[0]).toMatchObject({ status: 'credentials', auth: 'basic' });
      expect(result.results[0]!.message).toBe('it demands credentials: the containerd image store (dockerd) sends mirrors no credentials');
    });

    it('the classic image store hands it the Docker Hub login: it is accepted, and the surprise is spelled out', async () => {
      writeFileSync(daemonJson, JSON.stringify({ 'registry-mirrors': [`http://${locked.host}`], features: { 'containerd-snapshotter': false } }));
      const result = await checkJson(['--daemon-config', daemonJson]);
      // The registry has no such image: the credentials were accepted, the image is not there.
      expect(result.results[0]).toMatchObject({ status: 'not-found', auth: 'basic' });
      expect(result.stderr).toContain(
        `note: the classic image store (dockerd) sends your Docker Hub login (${USER}) to the mirror http://${locked.host} with every pull (moby#42022)`,
      );
      expect(result.stderr + JSON.stringify(result.results)).not.toContain(PASSWORD);
    });

    it("a mirror in Docker's hosts.toml gets no Docker Hub login, even with the classic store in daemon.json (issue 19, item 4)", async () => {
      writeFileSync(daemonJson, JSON.stringify({ features: { 'containerd-snapshotter': false } }));
      const hostsToml = join(env.XDG_CONFIG_HOME!, 'docker', 'certs.d', 'docker.io', 'hosts.toml');
      mkdirSync(join(hostsToml, '..'), { recursive: true });
      writeFileSync(hostsToml, `server = "https://registry-1.docker.io"\n\n[host."http://${locked.host}"]\n  capabilities = ["pull", "resolve"]\n`);
      try {
        const result = await checkJson(['--daemon-config', daemonJson]);
        expect(result).toExit(3);
        // Had the Hub login been sent, the registry would have accepted it (not-found, as above).
        expect(result.results[0]).toMatchObject({ status: 'credentials', auth: 'basic' });
        expect(result.results[0]!.message).toBe(
          "it demands credentials: the containerd image store (dockerd, from Docker's hosts.toml) sends mirrors no credentials",
        );
        expect(result.stderr).not.toContain('moby#42022');
      } finally {
        rmSync(hostsToml);
      }
    });

    it('doctor spells out both the failing mirror and the surprise', async () => {
      writeFileSync(daemonJson, JSON.stringify({ 'registry-mirrors': [`http://${locked.host}`], features: { 'containerd-snapshotter': true } }));
      const rootless = join(env.XDG_CONFIG_HOME!, 'docker');
      mkdirSync(rootless, { recursive: true });
      writeFileSync(join(rootless, 'daemon.json'), readFileSync(daemonJson));
      const result = await dcm(['doctor', '--json']);
      const checks = (JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; detail: string }> }).checks;
      expect(checks.filter((c) => c.id.startsWith('mirror'))).toEqual([
        {
          id: 'mirror',
          status: 'fail',
          detail: expect.stringMatching(/credentials: it demands credentials: the containerd image store \(dockerd\) sends mirrors no credentials/),
          fix: expect.any(String),
        },
      ]);
      writeFileSync(
        join(rootless, 'daemon.json'),
        JSON.stringify({ 'registry-mirrors': [`http://${locked.host}`], features: { 'containerd-snapshotter': false } }),
      );
      const classic = JSON.parse((await dcm(['doctor', '--json'])).stdout) as { checks: Array<{ id: string; status: string; detail: string }> };
      expect(classic.checks.find((c) => c.id === 'mirror-credentials')).toMatchObject({ status: 'warn', detail: expect.stringContaining('moby#42022') });
      execFileSync('rm', ['-f', join(rootless, 'daemon.json')]);
    });
  });
});

describe('dcm mirror ls over all four formats', () => {
  it('lists each mirror with its source, path and clients; a broken file is one warning (exit 2)', async () => {
    const xdg = tempDir('xdg-all');
    // podman's files are under HOME, whatever XDG_CONFIG_HOME says (containers-registries.conf(5)).
    const home = tempDir('home-all');
    const write = (path: string, text: string) => {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, text);
    };
    write(join(xdg, 'docker', 'daemon.json'), JSON.stringify({ 'registry-mirrors': ['https://dockerd.mirror.example/'] }));
    write(
      join(xdg, 'docker', 'certs.d', 'docker.io', 'hosts.toml'),
      'server = "https://registry-1.docker.io"\n\n[host."https://docker29.mirror.example"]\n  capabilities = ["pull", "resolve"]\n\n[host."https://push-only.example"]\n  capabilities = ["push"]\n',
    );
    write(join(xdg, 'containerd', 'certs.d', 'docker.io', 'hosts.toml'), '[host."https://containerd.mirror.example"]\n');
    write(
      join(xdg, 'buildkit', 'buildkitd.toml'),
      '[registry."docker.io"]\n  mirrors = ["buildkit.mirror.example:5000", "harbor.example/proxy.docker.io"]\n\n[registry."buildkit.mirror.example:5000"]\n  http = true\n',
    );
    write(
      join(home, '.config', 'containers', 'registries.conf'),
      'unqualified-search-registries = ["docker.io"]\n\n[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n\n[[registry.mirror]]\nlocation = "podman.mirror.example/hub"\n\n[[registry]]\nprefix = "quay.io"\nlocation = "quay.io"\n[[registry.mirror]]\nlocation = "not-a-hub-mirror.example"\n',
    );
    write(join(home, '.config', 'containers', 'registries.conf.d', '50-broken.conf'), '[[registry]\nprefix = "docker.io"\n');
    const result = await dcm(['mirror', 'ls', '--json'], { XDG_CONFIG_HOME: xdg, HOME: home });
    expect(result).toExit(2);
    expect(result.stderr).toMatch(/^dcm: warning: registries\.conf .*50-broken\.conf is not valid TOML \(line \d+\); its mirrors are not listed\n$/);
    const mine = (JSON.parse(result.stdout) as Array<{ path: string }>).filter((m) => m.path.startsWith(xdg) || m.path.startsWith(home));
    expect(mine).toEqual([
      { url: 'https://dockerd.mirror.example/', source: 'daemon.json', path: join(xdg, 'docker', 'daemon.json'), clients: ['dockerd'] },
      {
        url: 'https://docker29.mirror.example',
        source: 'hosts.toml',
        path: join(xdg, 'docker', 'certs.d', 'docker.io', 'hosts.toml'),
        clients: ['dockerd-containerd'],
      },
      {
        url: 'https://containerd.mirror.example',
        source: 'hosts.toml',
        path: join(xdg, 'containerd', 'certs.d', 'docker.io', 'hosts.toml'),
        clients: ['containerd'],
      },
      { url: 'http://buildkit.mirror.example:5000', source: 'buildkitd.toml', path: join(xdg, 'buildkit', 'buildkitd.toml'), clients: ['buildkit'] },
      { url: 'https://harbor.example/proxy.docker.io', source: 'buildkitd.toml', path: join(xdg, 'buildkit', 'buildkitd.toml'), clients: ['buildkit'] },
      {
        url: 'https://podman.mirror.example/hub',
        source: 'registries.conf',
        path: join(home, '.config', 'containers', 'registries.conf'),
        clients: ['podman'],
      },
    ]);
    const table = await dcm(['mirror', 'ls'], { XDG_CONFIG_HOME: xdg, HOME: home });
    expect(table.stdout).toMatch(/^URL +SOURCE +CLIENTS +PATH$/m);
    expect(table.stdout).toMatch(/^https:\/\/podman\.mirror\.example\/hub +registries\.conf +podman +/m);
  });
});

describe('dcm mirror add and rm on daemon.json', () => {
  const fixture = (text: string | undefined) => {
    const path = join(tempDir('daemon-fixture'), 'daemon.json');
    if (text !== undefined) writeFileSync(path, text);
    return path;
  };
  const add = (path: string, url: string, ...more: string[]) => dcm(['mirror', 'add', url, '--daemon-config', path, '--no-check', ...more]);

  it.each([
    [
      'tabs, other keys',
      '{\n\t"debug": true,\n\t"log-driver": "journald"\n}\n',
      '{\n\t"debug": true,\n\t"log-driver": "journald",\n\t"registry-mirrors": [\n\t\t"https://mirror.example.com/"\n\t]\n}\n',
    ],
    [
      'four spaces, existing mirrors',
      '{\n    "registry-mirrors": ["https://first.example/"]\n}',
      '{\n    "registry-mirrors": [\n        "https://first.example/",\n        "https://mirror.example.com/"\n    ]\n}',
    ],
    [
      'no registry-mirrors key, on one line',
      '{"storage-driver": "overlay2"}\n',
      '{\n\t"storage-driver": "overlay2",\n\t"registry-mirrors": [\n\t\t"https://mirror.example.com/"\n\t]\n}\n',
    ],
  ])('%s: every other key and the indentation kept, one backup, idempotent', async (_name, before, after) => {
    const path = fixture(before);
    chmodSync(path, 0o644);
    const first = await add(path, 'https://Mirror.Example.com');
    expect(first).toExit(0);
    expect(first.stdout).toMatch(/^Added https:\/\/mirror\.example\.com\/ to registry-mirrors in .*\.\nMake the daemon read it: /);
    expect(readFileSync(path, 'utf8')).toBe(after);
    expect(readFileSync(`${path}.dcm-backup`, 'utf8')).toBe(before);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    const again = await add(path, 'https://mirror.example.com/');
    expect(again).toExit(0);
    expect(again.stdout).toMatch(/already in registry-mirrors; nothing changed|is already in registry-mirrors/);
    expect(readFileSync(path, 'utf8')).toBe(after);

    const rm = await dcm(['mirror', 'rm', 'https://mirror.example.com', '--daemon-config', path]);
    expect(rm).toExit(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))['registry-mirrors'] ?? []).not.toContain('https://mirror.example.com/');
    const rmAgain = await dcm(['mirror', 'rm', 'https://mirror.example.com', '--daemon-config', path]);
    expect(rmAgain.stdout).toMatch(/^"https:\/\/mirror\.example\.com" is not in registry-mirrors .*; nothing changed\.\n$/);
    expect(readFileSync(`${path}.dcm-backup`, 'utf8')).toBe(before);
  });

  it('a missing file is created (mode 0644)', async () => {
    const path = fixture(undefined);
    const result = await add(path, 'https://mirror.example.com');
    expect(result).toExit(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ 'registry-mirrors': ['https://mirror.example.com/'] });
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it.each([
    ['invalid JSON', '{"registry-mirrors": [', 2, /is not valid JSON; fix or move it, then retry \(dcm changes nothing it cannot parse\)/],
    [
      'registry-mirrors not a list',
      '{"registry-mirrors": "https://x.example"}',
      2,
      /"registry-mirrors" in .* is not a list; fix it, then retry \(nothing was changed\)/,
    ],
  ])('%s: left untouched, one clear error', async (_name, text, code, message) => {
    const path = fixture(text);
    const result = await add(path, 'https://mirror.example.com');
    expect(result).toExit(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(existsSync(`${path}.dcm-backup`)).toBe(false);
  });

  it.each([
    ['no scheme', 'mirror.example.com', /^dcm: invalid mirror: no scheme specified for "mirror\.example\.com": must use either 'https:\/\/' or 'http:\/\/'\n$/],
    ['credentials', 'https://me:secret@mirror.example.com', /^dcm: invalid mirror: username\/password not allowed in URI\n$/],
    ['a query', 'https://mirror.example.com/?x=1', /^dcm: invalid mirror: query or fragment at end of the uri: https:\/\/mirror\.example\.com\/\?x=1$/m],
    ['a fragment', 'https://mirror.example.com/#top', /^dcm: invalid mirror: query or fragment at end of the uri: https:\/\/mirror\.example\.com\/#top$/m],
    ['empty', '', /no scheme specified/],
    ['oversized', `https://${'a'.repeat(5000)}.example`, /^dcm: invalid mirror: longer than 2048 characters\n$/],
  ])("an invalid URL (%s): the daemon's message, exit 2, nothing changed", async (_name, url, message) => {
    const path = fixture('{}\n');
    const result = await add(path, url);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.length).toBeLessThan(400);
    expect(readFileSync(path, 'utf8')).toBe('{}\n');
  });

  it('with the check: a mirror that fails it is not added; one that passes is', async () => {
    const path = fixture('{}\n');
    const dead = await dcm(['mirror', 'add', `http://127.0.0.1:${await freePort()}`, '--daemon-config', path, '--timeout', '3']);
    expect(dead).toExit(4);
    expect(dead.stderr).toMatch(
      /^dcm: http:\/\/127\.0\.0\.1:\d+\/ was not added \(network\): connection refused by 127\.0\.0\.1:\d+: is the registry running, and is the port right\?; fix the mirror, or add it anyway with --no-check\n$/,
    );
    expect(readFileSync(path, 'utf8')).toBe('{}\n');
    // By now the cache is stale (above): refused too, with its class.
    const stale = await dcm(['mirror', 'add', mirrorUrl(), '--daemon-config', path, '--cert-dir', caDir, '--timeout', '5']);
    expect(stale).toExit(7);
    expect(stale.stderr).toMatch(/was not added \(stale\)/);
    expect(readFileSync(path, 'utf8')).toBe('{}\n');
    // A registry that serves Docker Hub's current image (here: the upstream itself, with the Hub login) passes.
    const current = `https://${upstream.host}`;
    const good = await dcm(['mirror', 'add', current, '--daemon-config', path, '--cert-dir', caDir, '--timeout', '5']);
    expect(good).toExit(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ 'registry-mirrors': [`${current}/`] });
  });

  it('mirror rm never echoes a password written into the URL (issue 19, item 5)', async () => {
    const path = fixture('{\n  "registry-mirrors": ["https://mirror.example.com/"]\n}\n');
    const result = await dcm(['mirror', 'rm', 'https://me:Rm-Pa55word@mirror.example.com', '--daemon-config', path]);
    expect(result).toExit(0);
    expect(result.stdout).toMatch(/^Removed https:\/\/mirror\.example\.com from registry-mirrors/);
    expect(result.stdout + result.stderr).not.toContain('Rm-Pa55word');
    // The last mirror gone, the key goes too, as if it had never been written.
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({});
  });

  it('two mirror add at once, each with its check: both mirrors land (issue 19, item 13)', async () => {
    // Each check takes a few hundred ms between reading daemon.json and writing it: without a
    // lock and a second read inside it, the later write drops the other mirror every time.
    for (let round = 0; round < 3; round++) {
      const path = fixture('{\n  "debug": true\n}\n');
      const urls = [`https://${upstream.host}`, 'https://registry-1.docker.io'];
      const results = await Promise.all(urls.map((url) => dcm(['mirror', 'add', url, '--daemon-config', path, '--cert-dir', caDir, '--timeout', '5'])));
      for (const result of results) expect(result).toExit(0);
      const mirrors = (JSON.parse(readFileSync(path, 'utf8')) as { 'registry-mirrors': string[] })['registry-mirrors'];
      expect(mirrors.sort()).toEqual(urls.map((url) => `${url}/`).sort());
      expect(existsSync(`${path}.dcm-lock`)).toBe(false);
    }
  });

  it("root editing another user's daemon.json keeps its owner, group and mode (issue 19, item 14)", async () => {
    const path = fixture('{}\n');
    execFileSync('chown', ['65534:65534', path]);
    chmodSync(path, 0o640);
    const result = await add(path, 'https://mirror.example.com');
    expect(result).toExit(0);
    const stats = statSync(path);
    expect([stats.uid, stats.gid, stats.mode & 0o777]).toEqual([65534, 65534, 0o640]);
  });

  it('a daemon.json nested too deeply: one clear line, exit 2, nothing changed (issue 19, item 15)', async () => {
    const text = `{"x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}\n`;
    const path = fixture(text);
    const result = await add(path, 'https://mirror.example.com');
    expect(result).toExit(2);
    expect(result.stderr).toMatch(
      /^dcm: .*daemon\.json nests more than 64 levels deep, which no Docker file does; fix or move it, then retry \(nothing was changed\)\n$/,
    );
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(existsSync(`${path}.dcm-backup`)).toBe(false);
  });

  it('a daemon.json the user may not write: one line with the sudo command, nothing changed', async () => {
    // Outside the run's own (0700) area, so that only the file's own permissions stand in the way.
    const open = mkdtempSync(join(tmpdir(), 'dcm-nobody-'));
    const path = join(open, 'daemon.json');
    writeFileSync(path, '{\n  "debug": true\n}\n');
    chmodSync(path, 0o644);
    chmodSync(open, 0o755);
    const home = join(open, 'home');
    mkdirSync(home, { mode: 0o777 });
    chmodSync(home, 0o777);
    const entry = process.env.DCM_TEST_BINARY ?? join(ROOT, 'src', 'main.ts');
    const result = await run(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', entry, 'mirror', 'add', 'https://mirror.example.com', '--daemon-config', path, '--no-check'],
      {
        env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
      },
    );
    expect(result).toExit(1);
    expect(result.stderr).toBe(
      `dcm: ${path} is not writable by you (it needs root): run sudo dcm mirror add https://mirror.example.com/ --daemon-config ${path}; nothing was changed\n`,
    );
    expect(readFileSync(path, 'utf8')).toBe('{\n  "debug": true\n}\n');
    rmSync(open, { recursive: true, force: true });
  });
});
