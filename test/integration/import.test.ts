/**
 * `dcm import --from HELPER` from Docker's real reference helpers (Debian's
 * docker-credential-secretservice 0.6.4, and docker-credential-pass on a throwaway GPG key and
 * password store), and from a helper that lists keys the way secretservice 0.9+ does.
 * Covers: src/docker/helper-client.ts, src/cli/commands/import/run.ts.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson, uniqueHost } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const dcmGet = (host: string, env = process.env) => run(bin.helper, ['get'], { stdin: host, env });

describe('dcm import --from secretservice (the Go reference helper)', () => {
  beforeAll(requireTestSession);
  const hosts = [uniqueHost('ss-a'), uniqueHost('ss-b'), uniqueHost('ss-c')];
  const go = (verb: string, stdin: string) => run('docker-credential-secretservice', [verb], { stdin });
  afterAll(async () => {
    for (const host of hosts) {
      await go('erase', host);
      await run(bin.helper, ['erase'], { stdin: host });
    }
  });

  it('copies the chosen registries; the source keeps them without --remove', async () => {
    for (const [i, host] of hosts.slice(0, 2).entries()) expect(await go('store', storeJson(host, `user${i}`, `go-secret-${i}`))).toExit(0);
    expect(await go('store', storeJson(hosts[2]!, '<token>', 'go-identity-token'))).toExit(0);
    const result = await run(bin.dcm, ['import', '--from', 'secretservice', '--registry', hosts[0]!, '--registry', `https://${hosts[2]}/`]);
    expect(result.stderr).toBe('');
    expect(result).toExit(0);
    expect(result.stdout).toContain(`imported ${hosts[0]} (user0) from docker-credential-secretservice`);
    expect(result.stdout).toContain(`imported ${hosts[2]} (identity token)`);
    expect(result.stdout).not.toMatch(/go-secret|go-identity/);
    expect(JSON.parse((await dcmGet(hosts[0]!)).stdout)).toMatchObject({ Username: 'user0', Secret: 'go-secret-0' });
    expect(JSON.parse((await dcmGet(hosts[2]!)).stdout)).toMatchObject({ Username: '<token>', Secret: 'go-identity-token' });
    expect(await dcmGet(hosts[1]!)).toExit(1);
    expect(await go('get', hosts[0]!)).toExit(0);
  });

  it('--remove erases each from the source once dcm gives it back', async () => {
    const result = await run(bin.dcm, ['import', '--from', 'docker-credential-secretservice', '--registry', hosts[1]!, '--remove', '--json']);
    expect(result).toExit(0);
    expect(JSON.parse(result.stdout)).toEqual({
      from: 'docker-credential-secretservice',
      imported: [{ registry: hosts[1], username: 'user1', from: hosts[1], removed: true }],
      skipped: [],
    });
    expect(JSON.parse((await dcmGet(hosts[1]!)).stdout)).toMatchObject({ Secret: 'go-secret-1' });
    expect((await go('get', hosts[1]!)).stdout).toBe('credentials not found in native keychain\n');
  });

  it.each([
    [['import', '--from', '../../bin/sh'], 2, /is not a helper name such as secretservice/],
    [['import', '--from', 'dcm'], 2, /would import dcm into itself/],
    [['import', '--from', 'no-such-helper'], 2, /docker-credential-no-such-helper is not on PATH/],
    [['import'], 2, /required option '--from <helper>' not specified/],
  ])('%j is refused', async (args, code, message) => {
    const result = await run(bin.dcm, args);
    expect(result).toExit(code);
    expect(result.stderr).toMatch(message);
  });
});

describe('dcm import --from pass (GPG-encrypted password store)', () => {
  let env: NodeJS.ProcessEnv;
  const host = uniqueHost('pass');

  beforeAll(async () => {
    requireTestSession();
    const gnupg = tempDir('gnupg');
    chmodSync(gnupg, 0o700);
    env = { ...process.env, GNUPGHOME: gnupg, PASSWORD_STORE_DIR: join(tempDir('pass'), 'store') };
    const key = await run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'dcm test <dcm@test.invalid>', 'default', 'default', 'never'], { env });
    expect(key).toExit(0);
    const listing = await run('gpg', ['--list-keys', '--with-colons'], { env });
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listing.stdout)?.[1];
    expect(fingerprint).toBeDefined();
    expect(await run('pass', ['init', fingerprint!], { env })).toExit(0);
    expect(await run('docker-credential-pass', ['store'], { stdin: storeJson(`https://${host}`, 'pass-user', 'pass-secret'), env })).toExit(0);
  });
  afterAll(async () => {
    await run(bin.helper, ['erase'], { stdin: host });
    await run('gpgconf', ['--kill', 'gpg-agent'], { env });
  });

  it('imports through docker-credential-pass list and get, then --remove erases it there', async () => {
    const result = await run(bin.dcm, ['import', '--from', 'pass', '--remove'], { env });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`imported ${host} (pass-user) from docker-credential-pass, removed from the source`);
    expect(result).toExit(0);
    expect(JSON.parse((await dcmGet(host, env)).stdout)).toMatchObject({ Username: 'pass-user', Secret: 'pass-secret' });
    expect((await run('docker-credential-pass', ['list'], { env })).stdout).toBe('{}\n');
  });
});

describe('dcm import from a helper that lists "Registry credentials for <url>" (secretservice 0.9+)', () => {
  beforeAll(requireTestSession);
  const host = uniqueHost('ss09');

  it('asks the helper for <url>, which its own get accepts', async () => {
    // A stand-in helper with 0.9's list format: its get accepts only the bare URL.
    const dir = tempDir('fake-helper');
    mkdirSync(dir, { recursive: true });
    const script = join(dir, 'docker-credential-labelled');
    writeFileSync(
      script,
      `#!/bin/sh
input=$(cat)
case "$1" in
  list) printf '{"Registry credentials for https://${host}":"labelled-user"}\\n' ;;
  get) if [ "$input" = "https://${host}" ]; then printf '{"ServerURL":"%s","Username":"labelled-user","Secret":"labelled-secret"}\\n' "$input"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  *) exit 1 ;;
esac
`,
    );
    chmodSync(script, 0o755);
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
    const result = await run(bin.dcm, ['import', '--from', 'labelled'], { env });
    expect(result).toExit(0);
    expect(result.stdout).toBe(`imported ${host} (labelled-user) from docker-credential-labelled\n`);
    expect(JSON.parse((await dcmGet(host)).stdout)).toMatchObject({ Username: 'labelled-user', Secret: 'labelled-secret' });
    await run(bin.helper, ['erase'], { stdin: host });
  });
});
