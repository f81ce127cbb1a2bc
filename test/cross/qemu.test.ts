/**
 * The linux-arm64 binary, cross-built on this x86_64 machine, run under qemu-user against this
 * file's own gnome-keyring: its arm64 Node, its arm64 keyring addon unpacked from the blob and
 * loaded, the helper protocol and the CLI's store commands. qemu runs each call in 1–5 s.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/release/targets.ts';
import { run } from '../helpers/spawn.ts';

const dir = join(ROOT, 'dist', 'targets', 'linux-arm64');
// qemu finds the arm64 loader and libraries (libc6-arm64-cross, libstdc++6-arm64-cross) here.
const env = { ...process.env, QEMU_LD_PREFIX: '/usr/aarch64-linux-gnu' };

function arm64(program: 'dcm' | 'docker-credential-dcm', args: string[], stdin = '') {
  return run('qemu-aarch64-static', [join(dir, program), ...args], { stdin, env, timeoutMs: 60_000 });
}

describe('linux-arm64 under qemu', () => {
  it('is an arm64 program that runs', async () => {
    const version = await arm64('docker-credential-dcm', ['version']);
    expect(version).toExit(0);
    expect(version.stdout).toMatch(/^docker-credential-dcm \(github\.com\/dcm-project\/dcm\) v\d/);
    const arch = await arm64('dcm', ['--version']);
    expect(arch).toExit(0);
  });

  it('stores, gets, lists and erases through the Secret Service, a 6,000-character token included', async () => {
    const token = `eyJ${'x'.repeat(5_997)}`;
    const short = JSON.stringify({ ServerURL: 'arm.test', Username: 'u', Secret: 's' });
    const long = JSON.stringify({ ServerURL: 'long.arm.test', Username: 'AWS', Secret: token });
    expect(await arm64('docker-credential-dcm', ['store'], short)).toExit(0);
    expect(await arm64('docker-credential-dcm', ['store'], long)).toExit(0);
    const got = await arm64('docker-credential-dcm', ['get'], 'long.arm.test');
    expect(got).toExit(0);
    expect(JSON.parse(got.stdout)).toEqual({ ServerURL: 'long.arm.test', Username: 'AWS', Secret: token });
    const list = await arm64('docker-credential-dcm', ['list']);
    expect(JSON.parse(list.stdout)).toEqual({ 'arm.test': 'u', 'long.arm.test': 'AWS' });

    const ls = await arm64('dcm', ['ls', '--json']);
    expect(ls).toExit(0);
    expect((JSON.parse(ls.stdout) as { registry: string }[]).map((row) => row.registry).sort()).toEqual(['arm.test', 'long.arm.test']);
    expect(ls.stdout).not.toContain(token);

    const doctor = await arm64('dcm', ['doctor', '--json']);
    const checks = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string }[] }).checks;
    expect(checks.find((c) => c.id === 'keychain')?.status).toBe('ok');
    expect(checks.find((c) => c.id === 'keychain-items')?.status).toBe('ok');

    expect(await arm64('dcm', ['logout', '--all', '--yes'])).toExit(0);
    expect(JSON.parse((await arm64('docker-credential-dcm', ['list'])).stdout)).toEqual({});
    const gone = await arm64('docker-credential-dcm', ['get'], 'long.arm.test');
    expect(gone).toExit(1);
    expect(gone.stdout).toBe('credentials not found in native keychain\n');
  });
});
