/**
 * Every integration and binary test file gets a machine of its own: a throwaway HOME,
 * XDG_RUNTIME_DIR and temporary area, and its own D-Bus session with an unlocked gnome-keyring
 * (vitest runs this before each file, in that file's own worker process, and every process the
 * file starts inherits the environment). So two files can run at once: "list before and after"
 * sees only its own file's changes, and no file can replace or lock another file's keyring.
 * scripts/with-keyring.sh still wraps the run (the throwaway area, DCM_TEST_SESSION).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** gnome-keyring makes no default collection with an empty password: every write would fail. */
const KEYRING_PASSWORD = 'dcm-test-keyring';

// Short names: a unix socket's path (the cache agent's, the index lock's) holds at most 107 bytes.
const base = mkdtempSync(join(process.env.DCM_TEST_TMP ?? tmpdir(), 'm-'));
const home = join(base, 'h');
const runtime = join(base, 'r');
const scratch = join(base, 't');
for (const dir of [home, runtime, scratch]) mkdirSync(dir, { mode: 0o700 });
chmodSync(runtime, 0o700);
Object.assign(process.env, { HOME: home, XDG_RUNTIME_DIR: runtime, DCM_TEST_TMP: scratch });

const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
const address = await new Promise<string>((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error('dbus-daemon printed no address within 20 s')), 20_000);
  bus.stdout.on('data', (chunk: Buffer) => {
    out += chunk;
    const line = out.split('\n')[0];
    if (out.includes('\n') && line) {
      clearTimeout(timer);
      resolve(line.trim());
    }
  });
  bus.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}) before it printed its address`)));
});
process.env.DBUS_SESSION_BUS_ADDRESS = address;
execFileSync('gnome-keyring-daemon', ['--unlock', '--components=secrets', '--daemonize'], {
  input: KEYRING_PASSWORD,
  env: process.env,
  stdio: ['pipe', 'ignore', 'ignore'],
  timeout: 20_000,
});

// The keyring exits on its own once its bus is gone.
afterAll(() => {
  bus.kill();
});
