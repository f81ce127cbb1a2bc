/**
 * The win32-x64 binary, cross-built here, run under Wine 10 (a Debian 13 root:
 * scripts/wine-root.sh; Debian 12's Wine 8 cannot run Node 24 and later) against Wine's
 * Credential Manager, which keeps Windows' rules: 2,560 bytes per item, items listed by a
 * filter. Each run starts from a fresh Wine prefix, so the first keychain call is the first call
 * after an install: where the addon cache used to fail with "Sharing violation".
 *
 * What Wine does not stand in for: what real Windows's CredEnumerateW does with the addon's
 * `*.dcm` filter (dcm no longer asks it), Defender and SmartScreen, Docker Desktop calling the helper.
 * Covers: src/store/keyring/native-sea.ts, src/store/keyring/backend.ts.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeBinary, ROOT, target } from '../../scripts/release/targets.ts';
import { run } from '../helpers/spawn.ts';

interface Step {
  name: string;
  program: string;
  args: string[];
  stdin?: string;
}
interface Result {
  name: string;
  code: number | null;
  stdout: string;
  stderr: string;
  error?: string;
  command: string;
  timedOut: boolean;
}

const WINE_ROOT = join(ROOT, 'scripts', 'wine-root.sh');

/** Runs the steps under Wine, in order, in one fresh prefix; their results by name. */
async function underWine(files: Record<string, string>, steps: Step[], prepare?: (dir: string) => Promise<void>): Promise<Map<string, Result>> {
  const dir = join(process.env.DCM_TEST_TMP!, `wine-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir);
  for (const [name, from] of Object.entries(files)) copyFileSync(from, join(dir, name));
  await prepare?.(dir);
  copyFileSync(join(ROOT, 'test', 'fixtures', 'wine-driver.cjs'), join(dir, 'driver.cjs'));
  copyFileSync(nodeBinary(target('win32-x64')), join(dir, 'node.exe'));
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(steps));
  const wine = await run(WINE_ROOT, ['run', dir, 'sh', '-c', 'cd /work && wineboot -i >/dev/null 2>&1; wine node.exe driver.cjs plan.json results.json'], {
    timeoutMs: 300_000,
  });
  expect(wine, 'the Wine root is made by scripts/install-test-deps.sh (scripts/wine-root.sh prepare)').toExit(0);
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Result[];
  return new Map(results.map((r) => [r.name, { ...r, command: `${r.name} (under Wine)`, timedOut: r.error !== undefined && /ETIMEDOUT/.test(r.error) }]));
}

const store = (server: string, secret: string, username = 'u') => JSON.stringify({ ServerURL: server, Username: username, Secret: secret });
// dcm's item is {"Username":"u","Secret":"…"}: 28 bytes around the secret.
const itemOf = (bytes: number) => 'k'.repeat(bytes - 28);
const TOKEN = `eyJ${'t'.repeat(5_997)}`;

describe('win32-x64 under Wine 10', () => {
  it('round-trips through the Credential Manager from the first call after an install, lists, checks and logs out of everything', async () => {
    const bin = join(ROOT, 'dist', 'targets', 'win32-x64');
    const helper = 'docker-credential-dcm.exe';
    const logins: [string, string][] = [
      ['short.win.test', 's'],
      ['odd.win.test', 'abc'], // an item of 31 bytes: odd, which UTF-16 decoding cannot read
      ['limit.win.test', itemOf(2560)], // exactly one Credential Manager item
      ['over.win.test', itemOf(2561)], // one byte over: two items
      ['long.win.test', TOKEN], // an ECR-sized token: three items
    ];
    const steps: Step[] = [
      { name: 'version', program: helper, args: ['version'] },
      ...logins.map(([server, secret]): Step => ({ name: `store ${server}`, program: helper, args: ['store'], stdin: store(server, secret) })),
      ...logins.map(([server]): Step => ({ name: `get ${server}`, program: helper, args: ['get'], stdin: server })),
      { name: 'list', program: helper, args: ['list'] },
      { name: 'ls', program: 'dcm.exe', args: ['ls', '--json'] },
      { name: 'doctor', program: 'dcm.exe', args: ['doctor', '--json'] },
      { name: 'items before', program: 'reg', args: ['query', 'HKCU\\Software\\Wine\\Credential Manager'] },
      { name: 'logout', program: 'dcm.exe', args: ['logout', '--all', '--yes'] },
      { name: 'list after', program: helper, args: ['list'] },
      { name: 'get after', program: helper, args: ['get'], stdin: 'long.win.test' },
      { name: 'items after', program: 'reg', args: ['query', 'HKCU\\Software\\Wine\\Credential Manager'] },
    ];
    const r = await underWine({ 'dcm.exe': join(bin, 'dcm.exe'), [helper]: join(bin, helper) }, steps);

    expect(r.get('version')).toExit(0);
    expect(r.get('version')!.stdout).toMatch(/^docker-credential-dcm \(github\.com\/dcm-project\/dcm\) v/);
    for (const [server, secret] of logins) {
      expect(r.get(`store ${server}`)).toExit(0);
      expect(r.get(`get ${server}`)).toExit(0);
      expect(JSON.parse(r.get(`get ${server}`)!.stdout)).toEqual({ ServerURL: server, Username: 'u', Secret: secret });
    }
    expect(r.get('list')).toExit(0);
    expect(JSON.parse(r.get('list')!.stdout)).toEqual(Object.fromEntries(logins.map(([server]) => [server, 'u'])));
    expect((JSON.parse(r.get('ls')!.stdout) as { registry: string }[]).map((row) => row.registry).sort()).toEqual(logins.map(([s]) => s).sort());
    const checks = (JSON.parse(r.get('doctor')!.stdout) as { checks: { id: string; status: string; detail: string }[] }).checks;
    expect(checks.find((c) => c.id === 'keychain')).toMatchObject({ status: 'ok', detail: 'Windows Credential Manager is reachable and writable' });
    expect(checks.find((c) => c.id === 'keychain-items')).toMatchObject({ status: 'ok' });

    // Every item dcm wrote (chunk parts and the index included) is in Wine's store, then none is.
    const before = r.get('items before')!.stdout;
    expect(before.match(/\.dcm\b/g)?.length, before).toBeGreaterThanOrEqual(logins.length + 1 + 1 + 2);
    expect(r.get('logout')).toExit(0);
    expect(JSON.parse(r.get('list after')!.stdout)).toEqual({});
    expect(r.get('get after')).toExit(1);
    expect(r.get('get after')!.stdout).toBe('credentials not found in native keychain\n');
    expect(r.get('items after')!.stdout.match(/^.*\.dcm\b.*$/gm) ?? []).toEqual([]);
  });

  it('the npm package, installed for Windows, runs under Windows Node: store, get, list, erase', async () => {
    const bin = 'pkg/node_modules/@dcm-project/dcm/bin';
    const helper = (verb: string, stdin?: string): Step => ({ name: verb, program: 'node.exe', args: [`${bin}/docker-credential-dcm.js`, verb], stdin });
    const r = await underWine(
      {},
      [
        helper('store', store('npm.win.test', TOKEN)),
        helper('get', 'npm.win.test'),
        helper('list'),
        { name: 'ls', program: 'node.exe', args: [`${bin}/dcm.js`, 'ls', '--json'] },
        helper('erase', 'npm.win.test'),
        { ...helper('get', 'npm.win.test'), name: 'get after' },
      ],
      async (dir) => {
        // The tarball npm publishes, installed as npm on Windows would: its win32 keyring addon.
        const packed = await run('npm', ['pack', join(ROOT, 'dist', 'npm'), '--pack-destination', dir, '--silent'], { timeoutMs: 60_000 });
        expect(packed).toExit(0);
        const tarball = join(dir, packed.stdout.trim());
        const installed = await run('npm', ['install', '--prefix', join(dir, 'pkg'), '--os=win32', '--cpu=x64', '--no-audit', '--no-fund', tarball], {
          timeoutMs: 180_000,
        });
        expect(installed).toExit(0);
      },
    );
    expect(r.get('store')).toExit(0);
    expect(JSON.parse(r.get('get')!.stdout)).toEqual({ ServerURL: 'npm.win.test', Username: 'u', Secret: TOKEN });
    expect(JSON.parse(r.get('list')!.stdout)).toEqual({ 'npm.win.test': 'u' });
    expect(r.get('ls')).toExit(0);
    expect(r.get('erase')).toExit(0);
    expect(r.get('get after')).toExit(1);
  });
});
