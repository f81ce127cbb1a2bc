/**
 * dcm's own Secret Service client (issue 26, the read path) against gnome-keyring: what the
 * keyring addon wrote (through `docker-credential-dcm store`) reads back the same through the
 * client, with a Diffie-Hellman session and with `plain`, byte for byte as libsecret's
 * `secret-tool lookup` reads it; a missing item; two items for one key; a locked collection;
 * a frozen service (the deadline ends the wait); and a whole `get` through the helper with the
 * client switched on (DCM_SECRET_SERVICE_CLIENT).
 * Covers: src/store/secret-service/client.ts, src/store/secret-service/wire.ts.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lookupSecret } from '../../src/store/secret-service/client.ts';
import { ROOT, dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson, uniqueHost } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const lookup = (key: string, algorithm: 'dh' | 'plain') => lookupSecret(key, { env: process.env, service: 'dcm', timeoutMs: 5000, algorithm });
const secretTool = (key: string) => execFileSync('secret-tool', ['lookup', 'service', 'dcm', 'username', key], { encoding: 'utf8' });

/** A private session with its own gnome-keyring, running `script` (sh) after it is up. */
function privateSession(script: string): string {
  // --daemonize returns before the daemon owns its name: wait until it does.
  const setup = [
    'printf pw | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null',
    'for i in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done',
  ].join('\n');
  // Its own HOME and runtime directory: its own keyring files and daemon, not the session's.
  const env = { ...process.env, HOME: tempDir('ss-home'), XDG_RUNTIME_DIR: tempDir('ss-runtime') };
  return execFileSync('dbus-run-session', ['--', 'sh', '-c', `${setup}\n${script}`], { encoding: 'utf8', env, timeout: 30_000 });
}
const node = join(ROOT, 'node_modules', '.bin', 'node');
const fixture = join(ROOT, 'test', 'fixtures', 'ss-lookup.ts');
const main = join(ROOT, 'src', 'main.ts');

describe('dcm’s Secret Service client', () => {
  beforeAll(requireTestSession);

  it.each(['dh', 'plain'] as const)(
    '%s: what the addon wrote reads back the same, as secret-tool reads it (a 2,600-byte token, unicode, 30 keys)',
    async (algorithm) => {
      const entries = Array.from({ length: 30 }, (_, i) => ({ host: uniqueHost(`ss-${algorithm}-${i}`), secret: `s€cret-${i}-${'x'.repeat(i * 87)}` }));
      entries.push({ host: uniqueHost(`ss-${algorithm}-token`), secret: 'eyJ'.padEnd(2600, 'A') });
      for (const { host, secret } of entries) expect(await run(bin.helper, ['store'], { stdin: storeJson(host, 'user', secret) })).toExit(0);
      try {
        for (const { host } of entries) {
          const value = await lookup(host, algorithm);
          expect(value).toBe(secretTool(host));
        }
      } finally {
        for (const { host } of entries) await run(bin.helper, ['erase'], { stdin: host });
      }
    },
  );

  it('an item that is not there: undefined, not an error', async () => {
    expect(await lookup(uniqueHost('ss-missing'), 'dh')).toBeUndefined();
  });

  it('two items answering to one key: AmbiguousEntry, as the addon reports it', async () => {
    const host = uniqueHost('ss-twice');
    expect(await run(bin.helper, ['store'], { stdin: storeJson(host, 'u', 'one') })).toExit(0);
    execFileSync('secret-tool', ['store', '--collection=session', '--label=another', 'service', 'dcm', 'username', host], { input: 'two' });
    try {
      await expect(lookup(host, 'dh')).rejects.toThrow(/2 items answer to /);
    } finally {
      execFileSync('secret-tool', ['clear', 'service', 'dcm', 'username', host]);
    }
  });

  it('a locked collection: the keychain is locked, with the fix, at once', () => {
    const out = privateSession(
      [
        `printf '%s' '${storeJson('locked.test', 'u', 's')}' | '${main}' store`,
        'dbus-send --session --dest=org.freedesktop.secrets --print-reply /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null',
        `'${node}' '${fixture}' locked.test dh 3000`,
      ].join('\n'),
    );
    const result = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(result.name).toBe('StoreUnavailable');
    expect(result.error).toMatch(/the keychain is locked/);
    expect(result.ms).toBeLessThan(2000);
  });

  it('a frozen Secret Service (SIGSTOP): the deadline ends the lookup, in one line', () => {
    const out = privateSession(
      [
        "pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '/uint32/ {print $2}')",
        'kill -STOP "$pid"',
        `'${node}' '${fixture}' frozen.test dh 1000`,
        'kill -CONT "$pid"',
      ].join('\n'),
    );
    const result = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(result.error).toMatch(/did not answer within 1000 ms/);
    expect(result.ms).toBeGreaterThanOrEqual(1000);
    expect(result.ms).toBeLessThan(3000);
  });

  it.each(['dh', 'plain'])('a get through the helper with DCM_SECRET_SERVICE_CLIENT=%s: the same reply as the addon’s', async (choice) => {
    const host = uniqueHost(`ss-helper-${choice}`);
    expect(await run(bin.helper, ['store'], { stdin: storeJson(host, 'octo', 'helper-Secret-5') })).toExit(0);
    try {
      const viaAddon = await run(bin.helper, ['get'], { stdin: host });
      const viaClient = await run(bin.helper, ['get'], { stdin: host, env: { ...process.env, DCM_SECRET_SERVICE_CLIENT: choice } });
      expect(viaClient).toExit(0);
      expect(viaClient.stdout).toBe(viaAddon.stdout);
      expect(JSON.parse(viaClient.stdout)).toEqual({ ServerURL: host, Username: 'octo', Secret: 'helper-Secret-5' });
    } finally {
      await run(bin.helper, ['erase'], { stdin: host });
    }
  });
});
