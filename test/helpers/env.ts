/**
 * The integration environment that scripts/test.sh sets up: a private D-Bus session with an
 * unlocked gnome-keyring, and a throwaway HOME. Tests fail, loudly, outside it: a skipped
 * integration test would look like a passing one.
 */
import { mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export function requireTestSession(): void {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS || process.env.DCM_TEST_SESSION !== '1') {
    throw new Error('integration tests need the private keychain session: run them with `npm test` (scripts/test.sh)');
  }
}

/** A fresh directory under the run's throwaway area. */
export function tempDir(prefix: string): string {
  const base = process.env.DCM_TEST_TMP ?? tmpdir();
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

/**
 * The dcm under test: the sources by default (run by Node 24's type stripping), or the built
 * binary when DCM_TEST_BINARY names it. Returned as a bin directory holding both names, as an
 * installation would.
 */
export function dcmBinDir(): { dir: string; helper: string; dcm: string } {
  const target = process.env.DCM_TEST_BINARY ? resolve(process.env.DCM_TEST_BINARY) : join(ROOT, 'src', 'main.ts');
  const dir = tempDir('bin');
  symlinkSync(target, join(dir, 'docker-credential-dcm'));
  symlinkSync(target, join(dir, 'dcm'));
  return { dir, helper: join(dir, 'docker-credential-dcm'), dcm: join(dir, 'dcm') };
}

/** Every regular file below `dir` (for "no secret in any file" checks). */
export function everyFile(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats?.isDirectory()) files.push(...everyFile(path));
    else if (stats?.isFile()) files.push(path);
  }
  return files;
}
