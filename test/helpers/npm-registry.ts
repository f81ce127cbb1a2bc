/**
 * A tiny npm registry on loopback, enough for `npm install` and `npx`: packuments and tarballs
 * for the packages given, so that installing the packed dcm never reaches the internet. The
 * tarballs are `npm pack` of the installed dependency directories; every platform package of
 * @napi-rs/keyring is listed with its os/cpu/libc, only this machine's has a tarball.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeHttpServer, type FakeServer } from './fake-server.ts';

interface Manifest {
  name: string;
  version: string;
  [key: string]: unknown;
}

/** `npm pack` of a package directory, into `dir`; the tarball's path. */
export function npmPack(packageDir: string, dir: string): string {
  const out = execFileSync('npm', ['pack', packageDir, '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8' });
  return join(dir, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
}

export async function startNpmRegistry(
  packages: Array<{ dir: string; tarball: string }>,
  extraManifests: Manifest[] = [],
): Promise<FakeServer & { url: string }> {
  const tarballs = new Map<string, Buffer>();
  const packuments = new Map<string, { name: string; 'dist-tags': { latest: string }; versions: Record<string, unknown> }>();
  const add = (manifest: Manifest, tarballName?: string, bytes?: Buffer) => {
    const dist = bytes
      ? {
          tarball: `REGISTRY/-/${tarballName}`,
          integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
          shasum: createHash('sha1').update(bytes).digest('hex'),
        }
      : { tarball: `REGISTRY/-/missing-${manifest.name.replace(/\W/g, '_')}.tgz` };
    packuments.set(manifest.name, { name: manifest.name, 'dist-tags': { latest: manifest.version }, versions: { [manifest.version]: { ...manifest, dist } } });
  };
  for (const pkg of packages) {
    const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) as Manifest;
    const bytes = readFileSync(pkg.tarball);
    const tarballName = `${manifest.name.replace('/', '-')}-${manifest.version}.tgz`;
    tarballs.set(tarballName, bytes);
    add(manifest, tarballName, bytes);
  }
  for (const manifest of extraManifests) if (!packuments.has(manifest.name)) add(manifest);
  let origin = '';
  const server = await fakeHttpServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const tarball = /^\/-\/(.+)$/.exec(path)?.[1];
    if (tarball !== undefined) {
      const bytes = tarballs.get(tarball);
      if (!bytes) return res.writeHead(404).end();
      return res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength }).end(bytes);
    }
    const packument = packuments.get(path.slice(1));
    if (!packument) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument).replaceAll('REGISTRY', origin));
  });
  origin = server.origin;
  return { ...server, url: `${server.origin}/` };
}

/** The platform packages @napi-rs/keyring lists, as manifests with the os/cpu/libc their names say. */
export function keyringPlatformManifests(keyringDir: string): Manifest[] {
  const keyring = JSON.parse(readFileSync(join(keyringDir, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
  return Object.entries(keyring.optionalDependencies ?? {}).map(([name, version]) => {
    const [os = '', cpu = '', abi] = name.replace('@napi-rs/keyring-', '').split('-');
    return { name, version, os: [os], cpu: [cpu], ...(abi === 'gnu' || abi === 'musl' ? { libc: [abi === 'gnu' ? 'glibc' : 'musl'] } : {}) };
  });
}
