/**
 * The five platforms dcm is built for, and where each one's parts come from: that platform's
 * Node (scripts/release/runtimes.json, pinned by sha512) and its keyring addon (the version and
 * sha512 package-lock.json records). Both are fetched with `npm pack`, so a build needs nothing
 * but the npm registry, and each tarball is checked before a byte of it is used.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'dcm-build');

interface RuntimeRecord {
  version: string;
  targets: Record<string, { package: string; binary: string; integrity: string; addon: string }>;
}

const runtimes = JSON.parse(readFileSync(join(import.meta.dirname, 'runtimes.json'), 'utf8')) as RuntimeRecord;
export const NODE_VERSION = runtimes.version;
export const TARGET_NAMES = Object.keys(runtimes.targets) as TargetName[];
export type TargetName = 'linux-x64' | 'linux-arm64' | 'darwin-arm64' | 'darwin-x64' | 'win32-x64';

export interface Target {
  name: TargetName;
  os: 'linux' | 'darwin' | 'win32';
  arch: 'x64' | 'arm64';
  /** `.exe` on Windows. */
  suffix: string;
}

export function target(name: string): Target {
  if (!(name in runtimes.targets)) throw new Error(`unknown target ${name}: one of ${TARGET_NAMES.join(', ')}`);
  const [os, arch] = name.split('-') as [Target['os'], Target['arch']];
  return { name: name as TargetName, os, arch, suffix: os === 'win32' ? '.exe' : '' };
}

/** The target this machine is, when it is one of the five. */
export function hostTarget(): Target {
  return target(`${process.platform}-${process.arch}`);
}

function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * `npm pack SPEC` into the cache, checked against `integrity`; a cached tarball is checked again
 * each time (a truncated download or a swapped file fails the build, it is never used).
 */
function fetchTarball(spec: string, integrity: string): string {
  const dir = join(CACHE, 'tarballs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${spec.replace(/^@/, '').replace(/[/@]/g, '-')}.tgz`);
  if (!existsSync(file)) {
    const scratch = join(dir, `.pack-${process.pid}`);
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch);
    execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', scratch], {
      stdio: ['ignore', 'ignore', 'inherit'],
      shell: process.platform === 'win32',
    });
    const [packed] = readdirSync(scratch);
    if (!packed) throw new Error(`npm pack ${spec} wrote nothing`);
    renameSync(join(scratch, packed), file);
    rmSync(scratch, { recursive: true, force: true });
  }
  const found = integrityOf(file);
  if (found !== integrity) {
    rmSync(file, { force: true });
    throw new Error(`${spec}: the tarball's sha512 is ${found}, not the recorded ${integrity}; it was deleted. Refusing to build from it.`);
  }
  return file;
}

/** One file out of a checked tarball, extracted once into the cache. */
function extract(tarball: string, member: string, into: string): string {
  const out = join(CACHE, into);
  const path = join(out, member);
  if (!existsSync(path)) {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', out, member]);
  }
  return path;
}

/** The target's official Node binary, as published, after its tarball's sha512 is checked. */
export function nodeBinary(t: Target): string {
  const record = runtimes.targets[t.name]!;
  const tarball = fetchTarball(`${record.package}@${NODE_VERSION}`, record.integrity);
  return extract(tarball, record.binary, `node-${t.name}-${NODE_VERSION}`);
}

/** The target's keyring addon at the version package-lock.json locks, checked against the lock's sha512. */
export function keyringAddon(t: Target): string {
  const name = runtimes.targets[t.name]!.addon;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string }> };
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry?.version || !entry.integrity) throw new Error(`package-lock.json has no ${name}: run npm install`);
  const tarball = fetchTarball(`${name}@${entry.version}`, entry.integrity);
  const member = `package/keyring.${name.replace('@napi-rs/keyring-', '')}.node`;
  return extract(tarball, member, `${name.replace('@napi-rs/', '')}-${entry.version}`);
}
