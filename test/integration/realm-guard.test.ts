/**
 * The realm guard: a hostile registry must not make dcm send a password to this machine's
 * services, the cloud metadata service or the internal network. Every case runs inside private
 * network and mount namespaces with only loopback up (test/fixtures/netns-realm.ts), so a guard
 * that fails reaches nothing off the machine; a recording token service on the realm's address
 * proves what arrived, down to the TCP connection.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { makeCa, makeServerCert } from '../helpers/pki.ts';

const bin = dcmBinDir();
const SECRET = 'realm-guard-Secret-9f3e1c';
const ADDRESSES = ['203.0.113.5', '10.9.9.9', '10.9.9.10', '169.254.169.254'];

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  connections: number;
  requests: Array<{ url: string; authorization: boolean }>;
}

let tls: { certPath: string; keyPath: string };
let caDir: string;
let hosts: string;

beforeAll(() => {
  requireTestSession();
  const ca = makeCa();
  caDir = tempDir('realm-ca');
  writeFileSync(join(caDir, 'ca.crt'), readFileSync(ca.certPath));
  tls = makeServerCert(
    ca,
    [...ADDRESSES, '127.0.0.1'].map((ip) => `IP:${ip}`).concat(['DNS:metadata.test', 'DNS:localhost', 'DNS:mirror.test', 'DNS:realm.test']),
  );
  hosts = join(tempDir('hosts'), 'hosts');
  writeFileSync(hosts, '127.0.0.1 localhost\n169.254.169.254 metadata.test\n::ffff:169.254.169.254 mapped.test\n10.9.9.9 mirror.test\n10.9.9.10 realm.test\n');
});

/** Runs a fixture inside private network and mount namespaces with the addresses and hosts above. */
function inNamespace(fixture: string, args: string[]): string {
  const setup = ['ip link set lo up', ...ADDRESSES.map((ip) => `ip addr add ${ip}/32 dev lo`), `mount --bind "${hosts}" /etc/hosts`].join(' && ');
  const quoted = args.map((a) => `'${a}'`).join(' ');
  return execFileSync('unshare', ['-n', '-m', 'sh', '-c', `${setup} && exec "${process.execPath}" "${join(ROOT, 'test', 'fixtures', fixture)}" ${quoted}`], {
    encoding: 'utf8',
    env: process.env,
    timeout: 60_000,
  });
}

function loginInNamespace(registryIp: string, realm: string, realmListen: string, extraEnv: Record<string, string> = {}): Outcome {
  const fixture = join(ROOT, 'test', 'fixtures', 'netns-realm.ts');
  const setup = ['ip link set lo up', ...ADDRESSES.map((ip) => `ip addr add ${ip}/32 dev lo`), `mount --bind "${hosts}" /etc/hosts`].join(' && ');
  const args = [bin.dcm, registryIp, realm, realmListen, tls.certPath, tls.keyPath, caDir, SECRET]
    .map((a) => `"${a}"`)
    .concat(`'${JSON.stringify(extraEnv)}'`)
    .join(' ');
  const out = execFileSync('unshare', ['-n', '-m', 'sh', '-c', `${setup} && exec "${process.execPath}" "${fixture}" ${args}`], {
    encoding: 'utf8',
    env: process.env,
    timeout: 30_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Outcome;
}

describe('a token realm on another host', () => {
  it.each([
    ['the metadata service, from a public registry', '203.0.113.5', 'https://169.254.169.254:PORT/token', '169.254.169.254', 'link-local'],
    ['a private address, from a public registry', '203.0.113.5', 'https://10.9.9.10:PORT/token', '10.9.9.10', 'private'],
    ['this machine, from a public registry', '203.0.113.5', 'https://127.0.0.1:PORT/token', '127.0.0.1', 'loopback'],
    ['the metadata service, from a private registry', '10.9.9.9', 'https://169.254.169.254:PORT/token', '169.254.169.254', 'link-local'],
    ['this machine, from a private registry', '10.9.9.9', 'https://127.0.0.1:PORT/token', '127.0.0.1', 'loopback'],
    ['the metadata service, from a loopback registry', '127.0.0.1', 'https://169.254.169.254:PORT/token', '169.254.169.254', 'link-local'],
    ['a name that resolves to the metadata service', '203.0.113.5', 'https://metadata.test:PORT/token', '169.254.169.254', 'link-local'],
    // IPv4-mapped IPv6, in the spellings the URL parser rewrites (issue 19, item 1).
    ['this machine as ::ffff:127.0.0.1, from a public registry', '203.0.113.5', 'https://[::ffff:127.0.0.1]:PORT/token', '127.0.0.1', 'loopback'],
    [
      'the metadata service as ::ffff:a9fe:a9fe, from a public registry',
      '203.0.113.5',
      'https://[::ffff:a9fe:a9fe]:PORT/token',
      '169.254.169.254',
      'link-local',
    ],
    ['a private address as 0::ffff:10.9.9.10, from a public registry', '203.0.113.5', 'https://[0::ffff:10.9.9.10]:PORT/token', '10.9.9.10', 'private'],
    ['a name that resolves to ::ffff:169.254.169.254', '203.0.113.5', 'https://mapped.test:PORT/token', '169.254.169.254', 'link-local'],
  ])('%s is refused before any connection (exit 7)', (_name, registryIp, realm, listen, kind) => {
    const outcome = loginInNamespace(registryIp, realm, listen);
    expect(outcome).toExit(7);
    expect(outcome.stderr).toMatch(new RegExp(`refusing to connect to [\\w.:]+( \\(it resolves to [\\w.:]+\\))?, a ${kind} address`));
    expect(outcome.connections).toBe(0);
    expect(outcome.requests).toEqual([]);
    expect(outcome.stdout + outcome.stderr).not.toContain(SECRET);
  });

  it('a realm that NO_PROXY sends around the proxy is guarded as a direct one (issue 19, item 2)', () => {
    // The proxy is never asked (nothing listens on it): the registry and the realm are both in NO_PROXY.
    const outcome = loginInNamespace('203.0.113.5', 'https://metadata.test:PORT/token', '169.254.169.254', {
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '203.0.113.5,metadata.test',
    });
    expect(outcome).toExit(7);
    expect(outcome.stderr).toContain('refusing to connect to metadata.test (it resolves to 169.254.169.254), a link-local address');
    expect(outcome.connections).toBe(0);
    expect(outcome.stdout + outcome.stderr).not.toContain(SECRET);
  });

  it.each([
    ['a private realm, for a private registry', '10.9.9.9', 'https://10.9.9.10:PORT/token', '10.9.9.10'],
    ['a loopback realm on another port, for a loopback registry', '127.0.0.1', 'https://127.0.0.1:PORT/token', '127.0.0.1'],
    ['a public realm, for a public registry', '203.0.113.5', 'https://203.0.113.5:PORT/token', '203.0.113.5'],
  ])('%s is asked, with the credentials', (_name, registryIp, realm, listen) => {
    const outcome = loginInNamespace(registryIp, realm, listen);
    expect(outcome.requests).toEqual([{ url: expect.stringMatching(/^\/token\?/), authorization: true }]);
    // The stand-in registry never accepts its tokens: the login ends refused, and nothing is stored.
    expect(outcome).toExit(3);
    expect(outcome.stdout + outcome.stderr).not.toContain(SECRET);
  });
});

describe('an http:// Docker Hub mirror (issue 19, item 3)', () => {
  it('is spoken to in plain HTTP on its own port; its realm keeps TLS verification; the Hub login goes nowhere else', () => {
    type Run = { code: number; stdout: string; stderr: string };
    type Seen = { connections: number; requests: Array<{ url: string; authorization: boolean }> };
    const out = inNamespace('netns-mirror.ts', [bin.dcm, tls.certPath, tls.keyPath, tempDir('netns-mirror')]);
    const { check, add, doctor, seen } = JSON.parse(out.trim().split('\n').pop()!) as {
      check: Run;
      add: Run;
      doctor: Run;
      seen: Record<'mirrorHttp' | 'mirrorHttps' | 'realm', Seen>;
    };
    // The unrelated HTTPS service on the mirror's host is never even connected to.
    expect(seen.mirrorHttps).toEqual({ connections: 0, requests: [] });
    // The realm's certificate is not trusted: the handshake fails, and no request (no login) is sent.
    expect(seen.realm.requests).toEqual([]);
    // The mirror itself was asked over plain HTTP (check, add and doctor), never with credentials.
    expect(seen.mirrorHttp.requests.length).toBeGreaterThanOrEqual(3);
    expect(seen.mirrorHttp.requests.every((r) => !r.authorization)).toBe(true);
    const result = (JSON.parse(check.stdout) as { results: Array<{ status: string; message: string }> }).results[0];
    expect(check).toExit(5);
    expect(result).toMatchObject({ status: 'tls', message: expect.stringContaining('realm.test') });
    expect(add).toExit(5);
    expect(doctor).toExit(1);
    for (const run of [check, add, doctor]) expect(run.stdout + run.stderr).not.toContain('netns-Hub-Secret-41c7');
  });
});
