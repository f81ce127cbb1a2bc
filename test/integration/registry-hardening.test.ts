/**
 * Issue 9, "secrets sent where they do not belong" and the registry side of "wrong answers":
 * each case against scripted servers on loopback (and, where the target is off this machine,
 * inside a private network namespace), through the real CLI. Every test failed before its fix.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { fakeHttpServer, type FakeServer } from '../helpers/fake-server.ts';
import { dcmHelper, storeJson, uniqueHost } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';

const SECRET = 'Refr3sh-t0ken-that-must-never-travel';
const PASSWORD = 'Sup3r-s3cret-Passw0rd-do-not-print';
const bin = dcmBinDir();
const helper = dcmHelper();
const basicOf = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

function expectNoSecret(...outputs: string[]): void {
  for (const output of outputs) {
    for (const secret of [SECRET, PASSWORD, encodeURIComponent(SECRET), basicOf('someone', PASSWORD)]) expect(output).not.toContain(secret);
  }
}

describe('issue 9: secrets go only where they belong', () => {
  beforeAll(requireTestSession);
  const servers: FakeServer[] = [];
  afterAll(async () => Promise.all(servers.map((s) => s.stop())));

  /** A registry whose token endpoint answers the refresh-token POST with `status` to `location`. */
  async function redirectingTokenRegistry(status: number, location: (origin: string) => string) {
    const registry = await fakeHttpServer((req, res) => {
      if (req.url === '/v2/') {
        if (req.headers.authorization === 'Bearer good') return res.writeHead(200).end('{}');
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${registry.port}/token",service="redirecting"` });
        return res.end();
      }
      res.writeHead(status, { location: location(registry.origin) });
      res.end();
    });
    servers.push(registry);
    return registry;
  }

  // 1. The refresh-token form is a body that carries the secret: it never crosses an origin.
  it.each([301, 302, 303, 307, 308])('a %i from the token endpoint to another origin never carries the refresh token there', async (status) => {
    const thief = await fakeHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"good"}'));
    servers.push(thief);
    const registry = await redirectingTokenRegistry(status, () => `http://localhost:${thief.port}/steal`);
    const server = `127.0.0.1:${registry.port}`;
    // dcm check of a stored identity token: the flow that POSTs the refresh form.
    await helper('store', storeJson(server, '<token>', SECRET));
    const result = await run(bin.dcm, ['check', server, '--json', '--timeout', '3']);
    await helper('erase', server);
    const [tokenPost] = registry.requests.filter((r) => r.url.startsWith('/token'));
    expect(tokenPost?.method).toBe('POST');
    expect(tokenPost?.body).toContain('refresh_token=');
    for (const request of thief.requests) {
      expect(request.body).not.toContain(encodeURIComponent(SECRET));
      expect(request.headers.authorization).toBeUndefined();
    }
    if (status === 307 || status === 308) {
      // Go would re-send the body; dcm refuses the redirect before connecting.
      expect(thief.requests).toHaveLength(0);
      expect(result).toExit(7);
      expect(JSON.parse(result.stdout).results[0].message).toMatch(
        /refusing to follow .* redirect to http:\/\/localhost:\d+: it would re-send the request body, which carries credentials, to another origin/,
      );
    } else {
      // As browsers and Go do: the POST becomes a GET without a body.
      expect(thief.requests.map((r) => [r.method, r.body])).toEqual([['GET', '']]);
    }
    expectNoSecret(result.stdout, result.stderr);
  });

  // 1, off this machine: inside a namespace with only loopback, so a failing guard sends nothing anywhere.
  it.each([301, 303, 307])('a %i to plain HTTP on a host off this machine is refused before any connection', async (status) => {
    const fixture = join(ROOT, 'test', 'fixtures', 'netns-login.ts');
    const script = `ip link set lo up && exec "${process.execPath}" "${fixture}" "${bin.dcm}" ${status} http://192.0.2.10/steal "${SECRET}"`;
    const out = execFileSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8', env: process.env, timeout: 30_000 });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { code: number; stderr: string; stdout: string; requests: Array<{ url: string }> };
    expect(result).toExit(7);
    expect(result.stderr).toMatch(/refusing 127\.0\.0\.1:\d+'s redirect to 192\.0\.2\.10 over plain HTTP; only this machine may be reached without TLS/);
    expect(result.requests.map((r) => r.url)).toEqual(['/v2/', expect.stringMatching(/^\/token/)]);
    expectNoSecret(result.stdout, result.stderr);
  });

  // 2. The login belongs to the registry named, not to wherever its /v2/ redirects.
  it('a ping redirected to another origin does not move the login there', async () => {
    const elsewhere = await fakeHttpServer((_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="elsewhere"' }).end());
    const registry = await fakeHttpServer((req, res) => {
      if (req.headers.authorization === `Basic ${basicOf('someone', PASSWORD)}`) return res.writeHead(200).end('{}');
      res.writeHead(302, { location: `http://localhost:${elsewhere.port}/v2/` }).end();
    });
    servers.push(elsewhere, registry);
    const result = await run(bin.dcm, ['login', `127.0.0.1:${registry.port}`, '-u', 'someone', '--password-stdin', '--timeout', '3'], { stdin: PASSWORD });
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    // The credentials went to the registry named, which accepted them.
    expect(registry.requests.some((r) => r.headers.authorization !== undefined)).toBe(true);
    expect(result).toExit(0);
    await helper('erase', `127.0.0.1:${registry.port}`);
  });

  // 3. A registry that echoes the Authorization header in its error text.
  it.each([
    ['Basic auth', 'basic'],
    ['a token realm', 'bearer'],
  ])('error text that quotes the credentials is not printed (%s)', async (_name, scheme) => {
    const registry = await fakeHttpServer((req, res) => {
      const echo = JSON.stringify({
        errors: [{ code: 'UNAUTHORIZED', message: `bad credentials: ${req.headers.authorization ?? '(none)'}\nsecond line` }],
        details: `you sent ${req.headers.authorization}`,
      });
      if (req.url === '/v2/' && !req.headers.authorization) {
        const challenge = scheme === 'basic' ? 'Basic realm="echo"' : `Bearer realm="http://127.0.0.1:${registry.port}/token",service="echo"`;
        return res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' }).end(echo);
      }
      res.writeHead(401, { 'content-type': 'application/json' }).end(echo);
    });
    servers.push(registry);
    const result = await run(bin.dcm, ['login', `127.0.0.1:${registry.port}`, '-u', 'someone', '--password-stdin', '--timeout', '3'], { stdin: PASSWORD });
    expect(result).toExit(3);
    expect(result.stderr).toContain("the registry's message is not shown: it quotes the credentials that were sent");
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expectNoSecret(result.stdout, result.stderr);
  });
});

describe('issue 9: raw runtime messages become errors that say what happened', () => {
  beforeAll(requireTestSession);
  const servers: FakeServer[] = [];
  afterAll(async () => Promise.all(servers.map((s) => s.stop())));
  const login = (server: string, env: NodeJS.ProcessEnv = process.env, timeout = '3') =>
    run(bin.dcm, ['login', server, '-u', 'someone', '--password-stdin', '--timeout', timeout], { stdin: PASSWORD, env });

  it.each<[string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, origin: string) => void, number, RegExp]>([
    [
      'a null token reply',
      (req, res, origin) => {
        if (req.url === '/v2/') return res.writeHead(401, { 'www-authenticate': `Bearer realm="${origin}/token",service="x"` }).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end('null');
      },
      7,
      /did not answer with a JSON object/,
    ],
    [
      'a redirect to a Location that is not a URL',
      (_req, res) => res.writeHead(302, { location: 'http://[::bad' }).end(),
      7,
      /answered with a redirect to an address that is not a URL/,
    ],
    [
      'headers larger than any registry sends',
      (_req, res) => {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="x"', 'x-padding': 'p'.repeat(70_000) }).end();
      },
      7,
      /answered with response headers too large to be a registry's/,
    ],
    [
      'a body that stops arriving before the deadline',
      (req, res) => {
        if (!req.headers.authorization) return res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
        res.writeHead(401, { 'content-type': 'application/json' });
        res.write('{"errors":[');
        // ...and nothing more.
      },
      4,
      /^dcm: timeout: no answer from 127\.0\.0\.1:\d+ within 1 s$/m,
    ],
  ])('%s', async (_name, handler, code, message) => {
    const registry = await fakeHttpServer((req, res) => handler(req, res, `http://127.0.0.1:${registry.port}`));
    servers.push(registry);
    const result = await login(`127.0.0.1:${registry.port}`, process.env, '1');
    expect(result).toExit(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/Invalid URL|Cannot read properties|Headers Overflow|operation was aborted/);
  });

  it.each(['not a url', 'socks5://proxy.example:1080', 'http://'])('HTTPS_PROXY=%j is named, not echoed, with exit 2', async (proxy) => {
    const result = await login('registry.example.invalid', { ...process.env, HTTPS_PROXY: proxy });
    expect(result).toExit(2);
    expect(result.stderr).toBe('dcm: HTTPS_PROXY is not a proxy URL such as http://proxy.example:3128; fix or unset it\n');
  });
});

describe('issue 9: the Kelvin sign is not another registry', () => {
  beforeAll(requireTestSession);

  it("a get for \\u212Aey.io does not return key.io's login", async () => {
    const host = uniqueHost('key');
    const kelvin = `\u212A${host.slice(1)}`;
    await helper('store', storeJson(host, 'keyuser', PASSWORD));
    const result = await helper('get', kelvin);
    const plain = await helper('get', host.toUpperCase());
    await helper('erase', host);
    // Plain ASCII case differences stay one entry.
    expect(JSON.parse(plain.stdout).Username).toBe('keyuser');
    expect(result).toExit(1);
    expect(result.stdout).toMatch(
      /^invalid server URL: its host has non-ASCII characters that read as ".*", another registry's name; type the address in ASCII\n$/,
    );
    expect(result.stdout).not.toContain(PASSWORD);
  });
});

describe('issue 9: a reply that cannot be written is a failure', () => {
  beforeAll(requireTestSession);

  it('get with stdout on /dev/full exits 1 and says so on stderr', async () => {
    const host = uniqueHost('full');
    await helper('store', storeJson(host, 'u', PASSWORD));
    const result = await run('sh', ['-c', `printf %s '${host}' | '${helper.path}' get > /dev/full; echo "exit=$?" >&2`]);
    await helper('erase', host);
    expect(result.stderr).toContain('exit=1');
    expect(result.stderr).toMatch(/cannot write the reply to stdout \(ENOSPC\)/);
  });

  it('store with an extra "constructor" or "__proto__" key is stored, like any unknown key', async () => {
    const host = uniqueHost('proto');
    for (const extra of ['"constructor":1', '"__proto__":{"polluted":true}']) {
      const stored = await helper('store', `{"ServerURL":"${host}","Username":"u","Secret":"s",${extra}}`);
      expect(stored).toMatchObject({ code: 0, stdout: '' });
      expect(JSON.parse((await helper('get', host)).stdout)).toEqual({ ServerURL: host, Username: 'u', Secret: 's' });
    }
    await helper('erase', host);
  });

  it('DCM_KEYCHAIN_TIMEOUT_MS beyond what a timer holds is refused, not turned into 1 ms', async () => {
    const result = await helper('get', 'ghcr.io', { ...process.env, DCM_KEYCHAIN_TIMEOUT_MS: '99999999999' });
    expect(result).toMatchObject({ code: 1, stdout: 'DCM_KEYCHAIN_TIMEOUT_MS must be a whole number of milliseconds from 1 to 3600000\n' });
  });
});

describe('issue 9: ratelimit never fails open', () => {
  beforeAll(requireTestSession);

  it.each(['-5', '1e309', 'abc', '', '0x10'])('a ratelimit-remaining of %j is an error, and --fail-under does not pass', async (value) => {
    const hub = await fakeHttpServer((req, res) => {
      if (req.url === '/v2/') return res.writeHead(200).end('{}');
      res.writeHead(200, { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': value }).end();
    });
    const result = await run(bin.dcm, ['ratelimit', '--anonymous', '--registry', `127.0.0.1:${hub.port}`, '--fail-under', '10', '--json']);
    await hub.stop();
    expect(result).toExit(7);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^dcm: the registry sent a ratelimit-remaining header that is not a number of pulls \(.*\); the limit cannot be read, so nothing is reported as unlimited\n$/,
    );
  });
});

describe('issue 9: GITHUB_OUTPUT that cannot take the outputs', () => {
  beforeAll(requireTestSession);

  it.each([
    ['a directory', () => tempDir('gh-output-dir'), /GITHUB_OUTPUT: .* cannot be written: it is a directory/],
    ['/dev/full', () => '/dev/full', /GITHUB_OUTPUT: \/dev\/full is not a regular file \(a character device\)/],
  ])('%s: one line, exit 2', async (_name, path, message) => {
    const hub = await fakeHttpServer((req, res) => {
      if (req.url === '/v2/') return res.writeHead(200).end('{}');
      res.writeHead(200, { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '99;w=21600' }).end();
    });
    const result = await run(bin.dcm, ['ratelimit', '--anonymous', '--registry', `127.0.0.1:${hub.port}`, '--format', 'github'], {
      env: { ...process.env, GITHUB_OUTPUT: path() },
    });
    await hub.stop();
    expect(result).toExit(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
