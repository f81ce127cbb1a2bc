/**
 * `npm run release`: everything a release publishes, in dist/release/, made on this machine.
 *
 *   dcm-VERSION-linux-x64.tar.gz, …-linux-arm64, …-darwin-arm64, …-darwin-x64
 *       dcm, the docker-credential-dcm link, install.sh, README.md, LICENSE (mode and link kept)
 *   dcm-VERSION-win32-x64.zip
 *       dcm.exe, install.ps1, README.md, LICENSE (install.ps1 makes docker-credential-dcm.exe)
 *   dcm-project-dcm-VERSION.tgz      the npm package (npm pack ./dist/npm)
 *   SHA256SUMS                       `sha256sum -c SHA256SUMS` checks all of the above
 *
 * The binaries and archives are the same bytes every time (no code cache, fixed archive times),
 * so anyone can rebuild a release from its tag and compare SHA256SUMS. The tag-triggered workflow
 * (.github/workflows/release.yml) runs this, then only signs and publishes what it made.
 *
 *   node scripts/release.ts [--no-build]    --no-build: package what dist/ already holds
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Entry, tarGz, zip } from './release/archive.ts';
import { ROOT, target, TARGET_NAMES } from './release/targets.ts';

const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'release');

function step(command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with ${result.error?.message ?? `exit ${result.status}`}`);
  return result.stdout;
}

function main(): void {
  const { values } = parseArgs({ options: { 'no-build': { type: 'boolean' } } });
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  if (!values['no-build']) {
    step(process.execPath, ['scripts/build.ts']);
    step(process.execPath, ['scripts/build.ts', '--all']);
  }
  // The Action runs the committed bundle: a release whose bundle is stale would ship old code.
  if (!readFileSync(join(DIST, 'action', 'index.mjs')).equals(readFileSync(join(ROOT, 'action', 'dist', 'index.mjs'))))
    throw new Error('action/dist/index.mjs is not the bundle this build made: cp dist/action/index.mjs action/dist/index.mjs and commit it');

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const docs: Entry[] = ['README.md', 'LICENSE'].map((name) => ({ name, mode: 0o644, data: readFileSync(join(ROOT, name)) }));
  for (const name of TARGET_NAMES) {
    const t = target(name);
    const dir = join(DIST, 'targets', name);
    const base = `dcm-${version}-${name}`;
    const inside = (entries: Entry[]) => entries.map((e) => ({ ...e, name: `${base}/${e.name}` }));
    if (t.os === 'win32') {
      const entries: Entry[] = [
        { name: 'dcm.exe', mode: 0o755, data: readFileSync(join(dir, 'dcm.exe')) },
        { name: 'install.ps1', mode: 0o644, data: readFileSync(join(ROOT, 'install.ps1')) },
        ...docs,
      ];
      writeFileSync(join(OUT, `${base}.zip`), zip(inside(entries)));
    } else {
      const entries: Entry[] = [
        { name: 'dcm', mode: 0o755, data: readFileSync(join(dir, 'dcm')) },
        { name: 'docker-credential-dcm', mode: 0o777, data: { link: 'dcm' } },
        { name: 'install.sh', mode: 0o755, data: readFileSync(join(ROOT, 'install.sh')) },
        ...docs,
      ];
      writeFileSync(join(OUT, `${base}.tar.gz`), tarGz(inside(entries)));
    }
  }
  step('npm', ['pack', join(DIST, 'npm'), '--pack-destination', OUT, '--silent']);

  const sums = readdirSync(OUT)
    .filter((file) => file !== 'SHA256SUMS')
    .sort()
    .map(
      (file) =>
        `${createHash('sha256')
          .update(readFileSync(join(OUT, file)))
          .digest('hex')}  ${file}\n`,
    )
    .join('');
  writeFileSync(join(OUT, 'SHA256SUMS'), sums);
  process.stdout.write(`dist/release/ (dcm ${version}):\n${sums}`);
}

main();
