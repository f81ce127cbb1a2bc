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
  tls = makeServerCert(ca, [...ADDRESSES, '127.0.0.1'].map((ip) => `IP:${ip}`).concat(['DNS:metadata.test', 'DNS:localhost']));
  hosts = join(tempDir('hosts'), 'hosts');
  writeFileSync(hosts, '127.0.0.1 localhost\n169.254.169.254 metadata.test\n');
});

function loginInNamespace(registryIp: string, realm: string, realmListen: string): Outcome {
  const fixture = join(ROOT, 'test', 'fixtures', 'netns-realm.ts');
  const setup = ['ip link set lo up', ...ADDRESSES.map((ip) => `ip addr add ${ip}/32 dev lo`), `mount --bind "${hosts}" /etc/hosts`].join(' && ');
  const args = [bin.dcm, registryIp, realm, realmListen, tls.certPath, tls.keyPath, caDir, SECRET].map((a) => `"${a}"`).join(' ');
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
  ])('%s is refused before any connection (exit 7)', (_name, registryIp, realm, listen, kind) => {
    const outcome = loginInNamespace(registryIp, realm, listen);
    expect(outcome.code).toBe(7);
    expect(outcome.stderr).toMatch(new RegExp(`refusing to connect to [\\w.]+( \\(it resolves to ${listen.replace(/\./g, '\\.')}\\))?, a ${kind} address`));
    expect(outcome.connections).toBe(0);
    expect(outcome.requests).toEqual([]);
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
    expect(outcome.code).toBe(3);
    expect(outcome.stdout + outcome.stderr).not.toContain(SECRET);
  });
});
