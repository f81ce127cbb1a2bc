/**
 * The journey the macOS and Windows CI jobs run with the Linux-built binaries
 * (scripts/release/smoke.ts), run here on the linux-x64 release binary against this file's own
 * gnome-keyring: so the script those jobs depend on is known to pass, and to fail when it should.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/release/targets.ts';
import { run } from '../helpers/spawn.ts';

const smoke = join(ROOT, 'scripts', 'release', 'smoke.ts');

describe('scripts/release/smoke.ts', () => {
  it('passes on the linux-x64 release binary, logout --all included', async () => {
    const result = await run(process.execPath, [smoke, join(ROOT, 'dist', 'targets', 'linux-x64'), '--logout-all'], { timeoutMs: 120_000 });
    expect(result).toExit(0);
    expect(result.stdout).toContain('ok  dcm logout --all');
    expect(result.stdout).toContain('smoke: all steps passed');
  });

  it('fails, naming the step, when the keychain cannot be used', async () => {
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
    const result = await run(process.execPath, [smoke, join(ROOT, 'dist', 'targets', 'linux-x64')], { env, timeoutMs: 120_000 });
    expect(result).toExit(1);
    expect(result.stderr).toMatch(/^smoke: store short-.*exited 1, not 0/m);
  });
});
