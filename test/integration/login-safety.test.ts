/**
 * Where credentials may go, and how failures are told apart: each rule and each error class
 * against a scripted server on loopback (or a name that cannot resolve), through the real CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession } from '../helpers/env.ts';
import { fakeHttpServer, silentTcpServer, type FakeServer } from '../helpers/fake-server.ts';
import { freePort, startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const SECRET = 'Sup3r-s3cret-Passw0rd-do-not-print';
const bin = dcmBinDir();
const login = (server: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env) =>
  run(bin.dcm, ['login', server, '-u', 'someone', '--password-stdin', '--timeout', '3', ...extra], { stdin: SECRET, env, timeoutMs: 30_000 });

function expectNoSecret(...outputs: string[]): void {
  for (const output of outputs) {
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain(Buffer.from(`someone:${SECRET}`).toString('base64'));
  }
}

describe('credentials stay where they were asked for', () => {
  beforeAll(requireTestSession);
  const servers: FakeServer[] = [];
  afterAll(async () => Promise.all(servers.map((s) => s.stop())));

  it('an Authorization header is not carried across a redirect to another host', async () => {
    const other = await fakeHttpServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="other"' });
      res.end();
    });
    const registry = await fakeHttpServer((req, res) => {
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' });
        return res.end();
      }
      // "localhost" is another host than "127.0.0.1", though both are this machine.
      res.writeHead(307, { location: `http://localhost:${other.port}/v2/` });
      res.end();
    });
    servers.push(other, registry);
    const result = await login(`127.0.0.1:${registry.port}`);
    expect(result).toExit(3);
    expect(registry.requests.some((r) => r.headers.authorization)).toBe(true);
    expect(other.requests.length).toBeGreaterThan(0);
    expect(other.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    expectNoSecret(result.stdout, result.stderr);
  });

  it('a token realm on another host over plain HTTP is refused before any request to it', async () => {
    const registry = await fakeHttpServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://auth.example.invalid/token",service="fake"' });
      res.end();
    });
    servers.push(registry);
    const result = await login(`127.0.0.1:${registry.port}`);
    expect(result).toExit(7);
    expect(result.stderr).toContain('refusing to send credentials to the token realm http://auth.example.invalid over plain HTTP on another host');
    expect(registry.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('no Basic credentials over plain HTTP to a host outside this machine, even with --insecure (via a proxy)', async () => {
    const proxy = await fakeHttpServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="remote"' });
      res.end();
    });
    servers.push(proxy);
    const result = await login('registry.example.invalid', ['--insecure'], { ...process.env, HTTP_PROXY: proxy.origin });
    expect(result).toExit(7);
    expect(result.stderr).toContain('refusing to send credentials to registry.example.invalid over plain HTTP');
    expect(proxy.requests.map((r) => r.url)).toEqual(['http://registry.example.invalid/v2/']);
    expect(proxy.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('-p works but warns that it leaks into shell history and process lists', async () => {
    const registry = await startRegistry({ someone: SECRET });
    try {
      const result = await run(bin.dcm, ['login', registry.host, '-u', 'someone', '-p', SECRET]);
      expect(result).toExit(0);
      expect(result.stdout).toBe('Login Succeeded\n');
      expect(result.stderr).toMatch(
        /^WARNING! Using --password on the command line is insecure: it stays in shell history and is visible in process lists\. Use --password-stdin\.\n$/,
      );
      expectNoSecret(result.stdout, result.stderr);
      for (const args of [['ls'], ['ls', '--json'], ['check'], ['check', '--json'], ['logout', registry.host]]) {
        const out = await run(bin.dcm, args);
        expectNoSecret(out.stdout, out.stderr);
      }
    } finally {
      await registry.stop();
    }
  });

  it('refuses -p with --password-stdin, and --password-stdin without -u', async () => {
    const both = await run(bin.dcm, ['login', 'ghcr.io', '-u', 'x', '-p', SECRET, '--password-stdin'], { stdin: SECRET });
    expect(both).toExit(2);
    expect(both.stderr).toContain('--password and --password-stdin cannot be used together');
    const noUser = await run(bin.dcm, ['login', 'ghcr.io', '--password-stdin'], { stdin: SECRET });
    expect(noUser).toExit(2);
    expect(noUser.stderr).toContain('--password-stdin needs --username');
    const noTty = await run(bin.dcm, ['login', 'ghcr.io', '-u', 'x']);
    expect(noTty).toExit(2);
    // -u was given: only the password is missing, and the line says just that (issue 22, item 15).
    expect(noTty.stderr).toBe('dcm: cannot prompt for the password: not a terminal. Pipe it in with --password-stdin\n');
    const noTtyNoUser = await run(bin.dcm, ['login', 'ghcr.io']);
    expect(noTtyNoUser.stderr).toBe('dcm: cannot prompt for credentials: not a terminal. Give -u USER and pipe the password in with --password-stdin\n');
    expectNoSecret(both.stderr, noUser.stderr);
  });
});

describe('each failure says what went wrong, with its own exit code', () => {
  beforeAll(requireTestSession);
  let registry: RunningRegistry;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    registry = await startRegistry({ someone: SECRET });
  });
  afterAll(async () => {
    await registry?.stop();
    await Promise.all(cleanups.map((c) => c()));
  });

  const scripted = async (status: number, body = '') => {
    const server = await fakeHttpServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(body);
    });
    cleanups.push(server.stop);
    return `127.0.0.1:${server.port}`;
  };

  it.each<[string, () => Promise<{ server: string; env?: NodeJS.ProcessEnv }>, number, RegExp]>([
    ['wrong credentials', async () => ({ server: registry.host }), 3, /wrong username or password/],
    ['DNS', async () => ({ server: 'no-such-registry.invalid' }), 4, /DNS: cannot resolve no-such-registry\.invalid/],
    ['connection refused', async () => ({ server: `127.0.0.1:${await freePort()}` }), 4, /connection refused by 127\.0\.0\.1:\d+/],
    [
      'timeout',
      async () => {
        const silent = await silentTcpServer();
        cleanups.push(silent.stop);
        return { server: `127.0.0.1:${silent.port}` };
      },
      4,
      /timeout: no answer from 127\.0\.0\.1:\d+ within 3 s/,
    ],
    [
      'proxy',
      async () => ({ server: 'registry.example.invalid', env: { ...process.env, HTTPS_PROXY: `http://127.0.0.1:${await freePort()}` } }),
      4,
      /proxy: connection refused by the proxy http:\/\/127\.0\.0\.1:\d+/,
    ],
    ['not a registry', async () => ({ server: await scripted(404, '<html>Not Found</html>') }), 7, /is not a registry: GET \/v2\/ answered HTTP 404/],
    ['registry down', async () => ({ server: await scripted(503, 'upstream unavailable') }), 7, /is failing \(HTTP 503\).*registry may be down/],
  ])('%s', async (_name, prepare, code, message) => {
    const { server, env } = await prepare();
    const wrong = _name === 'wrong credentials' ? 'wrong-password' : SECRET;
    const result = await run(bin.dcm, ['login', server, '-u', 'someone', '--password-stdin', '--timeout', '3'], {
      stdin: wrong,
      env: env ?? process.env,
      timeoutMs: 30_000,
    });
    expect(result.stderr).toMatch(message);
    expect(result).toExit(code);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expectNoSecret(result.stderr);
    expect(await run(bin.helper, ['get'], { stdin: server })).toExit(1);
  });
});
