/**
 * The helper protocol against the real Secret Service (gnome-keyring on a private D-Bus
 * session), one process per call as Docker runs it.
 * Covers: src/store/keyring/backend.ts, src/store/keyring/native.ts, src/store/keyring/addon.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession } from '../helpers/env.ts';
import { dcmHelper, storeJson, uniqueHost } from '../helpers/helper-process.ts';

const NOT_FOUND = 'credentials not found in native keychain\n';

describe('docker-credential-dcm on the Secret Service', () => {
  beforeAll(requireTestSession);
  const helper = dcmHelper();

  it('store, get, list, erase round trip', async () => {
    const host = uniqueHost('roundtrip');
    expect(await helper('store', storeJson(`https://${host}/v2/`, 'alice', 'pa$$ word'))).toMatchObject({ stdout: '', code: 0 });
    expect(await helper('get', host)).toMatchObject({ stdout: `{"ServerURL":"${host}","Username":"alice","Secret":"pa$$ word"}\n`, code: 0 });
    expect(JSON.parse((await helper('list', 'unused')).stdout)).toMatchObject({ [host]: 'alice' });
    expect(await helper('erase', `http://${host.toUpperCase()}`)).toMatchObject({ stdout: '', code: 0 });
    expect(await helper('get', host)).toMatchObject({ stdout: NOT_FOUND, code: 1 });
    expect(JSON.parse((await helper('list')).stdout)).not.toHaveProperty(host);
  });

  it('identity token (<token>) round-trips byte for byte', async () => {
    const host = uniqueHost('token');
    await helper('store', `{"ServerURL":"${host}","Username":"\\u003ctoken\\u003e","Secret":"s\\u0026\\u003c\\u003e"}\n`);
    expect((await helper('get', host)).stdout).toBe(`{"ServerURL":"${host}","Username":"\\u003ctoken\\u003e","Secret":"s\\u0026\\u003c\\u003e"}\n`);
    expect((await helper('list')).stdout).toContain(`"${host}":"\\u003ctoken\\u003e"`);
    await helper('erase', host);
  });

  it('a 200 KB secret round-trips', async () => {
    const host = uniqueHost('big');
    const secret = `eyJ${'A'.repeat(200_000)}`;
    expect(await helper('store', storeJson(host, 'u', secret))).toExit(0);
    expect(JSON.parse((await helper('get', host)).stdout).Secret).toBe(secret);
    await helper('erase', host);
  });

  it('store replaces the login even with another username; erase of nothing succeeds', async () => {
    const host = uniqueHost('replace');
    await helper('store', storeJson(host, 'alice', 'a'));
    await helper('store', storeJson(`https://${host}:443`, 'bob', 'b'));
    expect(JSON.parse((await helper('get', host)).stdout)).toMatchObject({ Username: 'bob', Secret: 'b' });
    expect(JSON.parse((await helper('list')).stdout)[host]).toBe('bob');
    expect(await helper('erase', host)).toMatchObject({ stdout: '', code: 0 });
    expect(await helper('erase', host)).toMatchObject({ stdout: '', code: 0 });
  });

  it("Docker Hub aliases are one entry under Docker's key", async () => {
    await helper('store', storeJson('docker.io', 'hubuser', 'dckr_pat_x'));
    expect(JSON.parse((await helper('get', 'https://index.docker.io/v1/')).stdout)).toMatchObject({ Username: 'hubuser' });
    expect(JSON.parse((await helper('get', 'registry-1.docker.io')).stdout)).toMatchObject({ Username: 'hubuser' });
    expect(JSON.parse((await helper('list')).stdout)['https://index.docker.io/v1/']).toBe('hubuser');
    await helper('erase', 'index.docker.io');
    expect((await helper('get', 'https://index.docker.io/v1/')).stdout).toBe(NOT_FOUND);
  });

  it('every listed key is accepted by get (docker build runs list, then get for each)', async () => {
    const hosts = [uniqueHost('a'), uniqueHost('b')];
    for (const host of hosts) await helper('store', storeJson(`HTTPS://${host}/`, 'u', 's'));
    const listed = Object.keys(JSON.parse((await helper('list')).stdout));
    for (const key of listed) expect(await helper('get', key)).toExit(0);
    for (const host of hosts) await helper('erase', host);
  });
});

describe('dcm logout', () => {
  beforeAll(requireTestSession);
  const helper = dcmHelper();

  it('of Docker Hub also erases the device-login token entries, as docker logout does; twice is harmless', async () => {
    for (const key of ['https://index.docker.io/v1/', 'https://index.docker.io/v1/access-token', 'https://index.docker.io/v1/refresh-token']) {
      await helper('store', storeJson(key, 'hubber', `secret-for-${key}`));
    }
    const dcm = helper.path.replace(/docker-credential-dcm$/, 'dcm');
    const { run } = await import('../helpers/spawn.ts');
    const first = await run(dcm, ['logout', 'docker.io']);
    expect(first).toMatchObject({ stdout: 'Removing login credentials for https://index.docker.io/v1/\n', code: 0 });
    for (const key of ['https://index.docker.io/v1/', 'https://index.docker.io/v1/access-token', 'https://index.docker.io/v1/refresh-token']) {
      expect(await helper('get', key)).toExit(1);
    }
    expect(await run(dcm, ['logout'])).toMatchObject({ stdout: 'Not logged in to https://index.docker.io/v1/\n', code: 0 });
  });
});
