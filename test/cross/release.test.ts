/**
 * `npm run release` (here `--no-build`: scripts/test.sh built dist/ and dist/targets): the
 * archives, the npm tarball and SHA256SUMS, read back with the tools a user has (sha256sum, tar,
 * Python's zipfile), and what is inside them run.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/release/targets.ts';
import { run } from '../helpers/spawn.ts';

const OUT = join(ROOT, 'dist', 'release');
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(async () => {
  expect(await run(process.execPath, [join(ROOT, 'scripts', 'release.ts'), '--no-build'], { timeoutMs: 180_000 })).toExit(0);
}, 200_000);

describe('npm run release', () => {
  it('writes one archive per target, the npm tarball, and SHA256SUMS that sha256sum checks', async () => {
    expect(readdirSync(OUT).sort()).toEqual(
      [
        'SHA256SUMS',
        `dcm-${version}-darwin-arm64.tar.gz`,
        `dcm-${version}-darwin-x64.tar.gz`,
        `dcm-${version}-linux-arm64.tar.gz`,
        `dcm-${version}-linux-x64.tar.gz`,
        `dcm-${version}-win32-x64.zip`,
        `dcm-project-dcm-${version}.tgz`,
      ].sort(),
    );
    const check = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: OUT });
    expect(check).toExit(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(6);
  });

  it('keeps the executable bit and the link in the tar.gz, and what it unpacks runs', async () => {
    const listing = await run('tar', ['-tvzf', join(OUT, `dcm-${version}-linux-x64.tar.gz`)]);
    expect(listing.stdout).toMatch(new RegExp(`^-rwxr-xr-x root/root .* dcm-${version}-linux-x64/dcm$`, 'm'));
    expect(listing.stdout).toMatch(new RegExp(`^lrwxrwxrwx root/root .* dcm-${version}-linux-x64/docker-credential-dcm -> dcm$`, 'm'));
    expect(listing.stdout).toMatch(/install\.sh$/m);
    const dir = process.env.DCM_TEST_TMP!;
    expect(await run('tar', ['-xzf', join(OUT, `dcm-${version}-linux-x64.tar.gz`), '-C', dir])).toExit(0);
    const helper = await run(join(dir, `dcm-${version}-linux-x64`, 'docker-credential-dcm'), ['version']);
    expect(helper).toExit(0);
    expect(helper.stdout).toContain(`v${version}`);
    expect(readFileSync(join(dir, `dcm-${version}-linux-x64`, 'dcm')).equals(readFileSync(join(ROOT, 'dist', 'targets', 'linux-x64', 'dcm')))).toBe(true);
  });

  it("puts dcm.exe and install.ps1 in the Windows zip, every entry's CRC right", async () => {
    const zip = join(OUT, `dcm-${version}-win32-x64.zip`);
    expect(await run('python3', ['-m', 'zipfile', '-t', zip])).toExit(0);
    const names = await run('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', zip]);
    expect(names.stdout.trim().split('\n').sort()).toEqual(
      ['dcm.exe', 'install.ps1', 'LICENSE', 'README.md'].map((n) => `dcm-${version}-win32-x64/${n}`).sort(),
    );
    const same = await run('python3', [
      '-c',
      'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]) == open(sys.argv[3], "rb").read())',
      zip,
      `dcm-${version}-win32-x64/dcm.exe`,
      join(ROOT, 'dist', 'targets', 'win32-x64', 'dcm.exe'),
    ]);
    expect(same.stdout.trim()).toBe('True');
  });

  it('install.sh installs from the downloaded archive after checking it against SHA256SUMS, and refuses one that does not match', async () => {
    const dir = join(process.env.DCM_TEST_TMP!, 'download');
    mkdirSync(dir, { recursive: true });
    const archive = `dcm-${version}-linux-x64.tar.gz`;
    copyFileSync(join(OUT, archive), join(dir, archive));
    copyFileSync(join(OUT, 'SHA256SUMS'), join(dir, 'SHA256SUMS'));
    const env = { ...process.env, PATH: `${join(dir, 'p', 'bin')}:${process.env.PATH}` };
    const installed = await run('sh', [join(ROOT, 'install.sh'), '--prefix', join(dir, 'p'), '--archive', join(dir, archive)], { env });
    expect(installed).toExit(0);
    expect(installed.stdout).toContain(`Installed ${join(dir, 'p', 'bin', 'dcm')}`);
    expect(await run(join(dir, 'p', 'bin', 'docker-credential-dcm'), ['version'])).toExit(0);

    // One changed hex digit in SHA256SUMS: nothing is unpacked or installed.
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    const line = sums.split('\n').find((l) => l.endsWith(archive))!;
    writeFileSync(join(dir, 'SHA256SUMS'), sums.replace(line, `${line[0] === '0' ? '1' : '0'}${line.slice(1)}`));
    const refused = await run('sh', [join(ROOT, 'install.sh'), '--prefix', join(dir, 'q'), '--archive', join(dir, archive)], { env });
    expect(refused).toExit(1);
    expect(refused.stderr).toMatch(new RegExp(`${archive} has SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} SHA256SUMS gives: not installing it`));
    expect(existsSync(join(dir, 'q'))).toBe(false);
  });

  it('install.sh run from the unpacked archive installs the dcm beside it, with no build', async () => {
    const dir = join(process.env.DCM_TEST_TMP!, 'unpacked');
    mkdirSync(dir, { recursive: true });
    expect(await run('tar', ['-xzf', join(OUT, `dcm-${version}-linux-x64.tar.gz`), '-C', dir])).toExit(0);
    const installed = await run('sh', [join(dir, `dcm-${version}-linux-x64`, 'install.sh'), '--prefix', join(dir, 'p')], { timeoutMs: 60_000 });
    expect(installed).toExit(0);
    expect(installed.stdout).not.toContain('Building');
    expect(readFileSync(join(dir, 'p', 'bin', 'dcm')).equals(readFileSync(join(ROOT, 'dist', 'targets', 'linux-x64', 'dcm')))).toBe(true);
  });
});
