/**
 * `npm run build`: dist/dcm for this machine, one executable file (Node's single-executable
 * application support, the keyring addon embedded as an asset), and dist/docker-credential-dcm,
 * a link to it; then the npm package (dist/npm) and the GitHub Action (dist/action).
 * `npm run build -- --target linux-arm64` (repeatable) or `--all`: the same binary for another
 * platform, from this one, into dist/targets/TARGET/ (or `--out DIR`/TARGET; docs/releases.md).
 *
 * 1. esbuild bundles src/main.ts into one CommonJS file (SEA runs CommonJS), swapping
 *    store/native.ts for store/native-sea.ts. The management CLI (src/cli, with commander,
 *    undici and @inquirer/prompts) is bundled separately and carried as an asset that main.ts
 *    evaluates only when a CLI command runs: V8 parses the whole main script at every start, so
 *    the 2 MB of CLI code would otherwise cost every `get` about 5 ms (docs/performance.md).
 * 2. The target's official Node binary and keyring addon are fetched and checked against the
 *    sha512 the repository records (scripts/release/targets.ts); the binary's symbols are
 *    stripped (Linux) or its signature removed (Windows' Authenticode, macOS's code signature).
 * 3. `node --build-sea` writes the blob into that binary; there is no code cache, which ties a
 *    blob to the platform that made it and makes two builds differ (docs/releases.md has the
 *    measurement), so every build of a target is the same bytes.
 * 4. macOS: an ad-hoc signature, as the linker writes one (scripts/release/macho.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { signAdHoc, removeCodeSignature } from './release/macho.ts';
import { removeAuthenticode, withPeChecksum } from './release/pe.ts';
import { hostTarget, keyringAddon, NODE_VERSION, nodeBinary, ROOT, target, TARGET_NAMES, type Target } from './release/targets.ts';

const DIST = join(ROOT, 'dist');

/** Runs a build step, showing its output only when it fails. */
function quiet(command: string, args: string[], cwd?: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`${command} ${args.join(' ')} failed with ${result.error?.message ?? `exit ${result.status}`}`);
  }
}

/**
 * The Node binary carries its symbol tables (about 20 MB on Linux): strip them before the blob
 * goes in. `--strip-all` keeps `.dynsym`, which the keyring addon's N-API imports resolve
 * against. binutils' strip reads only this machine's architecture; LLVM's reads every one.
 * macOS binaries keep theirs: llvm-strip drops the `_napi_*` symbols from the symbol table, and
 * whether the addon still links without them can only be seen on a Mac.
 */
function stripSymbols(t: Target, executable: string): void {
  if (t.os !== 'linux') return;
  const tools = t.arch === process.arch && process.platform === 'linux' ? ['strip', 'llvm-strip', 'llvm-strip-14'] : ['llvm-strip', 'llvm-strip-14'];
  const before = statSync(executable).size;
  for (const tool of tools) {
    const result = spawnSync(tool, ['--strip-all', executable], { encoding: 'utf8' });
    if (result.error) continue;
    if (result.status !== 0) throw new Error(`${tool} --strip-all failed: ${result.stderr.trim()}`);
    console.log(`${t.name}: stripped the Node binary with ${tool}: ${(before / 1e6).toFixed(1)} MB → ${(statSync(executable).size / 1e6).toFixed(1)} MB`);
    return;
  }
  process.stderr.write(`build: none of ${tools.join(', ')} could run; ${t.name}'s dcm keeps its symbols. Install binutils or llvm to strip it.\n`);
}

// version.ts reads package.json: carry only the version, not every dependency's name.
const versionOnly: Plugin = {
  name: 'version-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]package\.json$/ }, (args) =>
      relative(ROOT, args.path) === 'package.json'
        ? { loader: 'json', contents: JSON.stringify({ version: (JSON.parse(readFileSync(args.path, 'utf8')) as { version: string }).version }) }
        : undefined,
    );
  },
};

/** The main script and the bundles it loads on use (the CLI, the providers), for an addon whose SHA-256 begins with `addonHash`. */
async function bundle(work: string, addonHash: string): Promise<{ main: string; assets: Record<string, string> }> {
  const main = join(work, 'dcm.cjs');
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // The Node that package.json pins, which also runs this script and becomes the binary.
    target: `node${NODE_VERSION.split('.')[0]}`,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { __DCM_ADDON_ASSET__: '"keyring.node"', __DCM_ADDON_HASH__: JSON.stringify(addonHash) },
  } as const;
  const seaNative: Plugin = {
    name: 'sea-native',
    setup(b) {
      b.onResolve({ filter: /\/native\.ts$/ }, (args) => ({ path: join(args.resolveDir, args.path.replace(/native\.ts$/, 'native-sea.ts')) }));
    },
  };
  // main.ts's `import('./cli/program.ts')`, the helper's `import('../providers/tokens.ts')` (a
  // bound host's token) and tokens.ts's import of one provider become: evaluate that bundle,
  // carried as an asset. A get parses the protocol code and the store; a bound get adds the
  // token cache and its one provider; undici is parsed only by the CLI and the providers that
  // go to the network.
  const lazyAssets: Array<{ asset: string; entry: string }> = [
    { asset: 'cli.cjs', entry: 'src/cli/program.ts' },
    { asset: 'providers.cjs', entry: 'src/providers/tokens.ts' },
    { asset: 'provider-aws.cjs', entry: 'src/providers/aws/ecr.ts' },
    { asset: 'provider-azure.cjs', entry: 'src/providers/azure.ts' },
    { asset: 'provider-gcp.cjs', entry: 'src/providers/gcp.ts' },
    { asset: 'provider-github.cjs', entry: 'src/providers/github.ts' },
    { asset: 'provider-exec.cjs', entry: 'src/providers/exec.ts' },
  ];
  /** Resolves every lazy module but `self` to its asset (a bundle does not load itself). */
  const fromAsset = (self?: string): Plugin => ({
    name: 'from-asset',
    setup(b) {
      const byPath = new Map(lazyAssets.filter(({ asset }) => asset !== self).map(({ asset, entry }) => [join(ROOT, entry), asset]));
      b.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (args) => {
        const asset = byPath.get(join(args.resolveDir, args.path));
        return asset ? { path: asset, namespace: 'dcm-asset' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'dcm-asset' }, (args) => ({
        loader: 'js',
        contents: `
          const { getAsset } = require('node:sea');
          const { compileFunction } = require('node:vm');
          const code = getAsset(${JSON.stringify(args.path)}, 'utf8');
          const loaded = { exports: {} };
          compileFunction(code, ['module', 'exports', 'require'], { filename: ${JSON.stringify(`dcm-${args.path}`)} })(loaded, loaded.exports, require);
          module.exports = loaded.exports;`,
      }));
    },
  });
  await build({ ...common, entryPoints: ['src/main.ts'], outfile: main, plugins: [versionOnly, seaNative, fromAsset()] });
  for (const { asset, entry } of lazyAssets)
    await build({ ...common, entryPoints: [entry], outfile: join(work, asset), plugins: [versionOnly, seaNative, fromAsset(asset)] });
  const assets = Object.fromEntries(lazyAssets.map(({ asset }) => [asset, join(work, asset)]));
  return { main, assets };
}

/** Builds `t`'s dcm into `outDir` (dcm or dcm.exe, and docker-credential-dcm beside it). */
export async function buildTarget(t: Target, outDir: string, work: string): Promise<string> {
  const started = Date.now();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const addon = keyringAddon(t);
  const addonHash = createHash('sha256').update(readFileSync(addon)).digest('hex').slice(0, 16);
  const { main, assets } = await bundle(work, addonHash);

  // The official binary, made ready to carry a blob: no symbols, no signature that would lie.
  const base = join(work, `node${t.suffix}`);
  const official = readFileSync(nodeBinary(t));
  writeFileSync(base, t.os === 'win32' ? removeAuthenticode(official) : t.os === 'darwin' ? removeCodeSignature(official) : official, { mode: 0o755 });
  stripSymbols(t, base);

  const executable = join(outDir, `dcm${t.suffix}`);
  const link = join(outDir, `docker-credential-dcm${t.suffix}`);
  rmSync(executable, { force: true });
  const config = join(work, 'sea-config.json');
  // Relative paths, from the work directory: nothing about this machine goes into the blob.
  writeFileSync(
    config,
    JSON.stringify({
      main: relative(work, main),
      executable: relative(work, base),
      output: relative(work, executable),
      disableExperimentalSEAWarning: true,
      useCodeCache: false,
      useSnapshot: false,
      assets: { 'keyring.node': relative(work, addon), ...Object.fromEntries(Object.entries(assets).map(([name, path]) => [name, relative(work, path)])) },
    }),
  );
  quiet(process.execPath, ['--build-sea', 'sea-config.json'], work);
  if (t.os === 'darwin') writeFileSync(executable, signAdHoc(readFileSync(executable), 'dcm'));
  // The blob went in without the PE checksum being updated: make it true again.
  if (t.os === 'win32') writeFileSync(executable, withPeChecksum(readFileSync(executable)));
  chmodSync(executable, 0o755);

  rmSync(link, { force: true });
  if (t.os === 'win32') copyFileSync(executable, link);
  else symlinkSync(`dcm${t.suffix}`, link);
  rmSync(base, { force: true });
  console.log(
    `built ${relative(ROOT, executable)} for ${t.name} (${(statSync(executable).size / 1e6).toFixed(1)} MB, Node ${NODE_VERSION}, keyring addon ${addonHash}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return executable;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { target: { type: 'string', multiple: true }, all: { type: 'boolean' }, out: { type: 'string' } } });
  if (process.version !== `v${NODE_VERSION}`)
    throw new Error(`build with Node ${NODE_VERSION} (the project's own: npm ci installs it, npm run build uses it); this is ${process.version}`);
  const names = values.all ? TARGET_NAMES : (values.target ?? []);
  if (names.length > 0) {
    // --out: somewhere else than dist/targets (the reproducibility test builds a second copy).
    const out = values.out ?? join(DIST, 'targets');
    for (const name of names) await buildTarget(target(name), join(out, name), join(out, '.build', name));
    return;
  }
  // The build for this machine: what the tests, install.sh and the npm package use.
  await buildTarget(hostTarget(), DIST, join(DIST, '.build'));
  await buildNpmPackage();
  await buildAction();
}

/**
 * dist/action/index.mjs: the GitHub Action's entry (action/main.ts) in one file, with every
 * dependency inside, since a runner installs none. The keyring addon stays out (a runner has no
 * keychain; dcm's store is only the last place ratelimit looks). action.yml runs the committed
 * copy, action/dist/index.mjs; test/binary/action.test.ts fails when the two differ.
 */
async function buildAction(): Promise<void> {
  await build({ ...esmBundle('node24'), entryPoints: ['action/main.ts'], outfile: join(DIST, 'action', 'index.mjs') });
  console.log(`built ${join(DIST, 'action', 'index.mjs')} (the GitHub Action; commit it as action/dist/index.mjs)`);
}

/**
 * The ESM bundle options the npm package and the Action share: the keyring addon left outside
 * (a dependency of the package; a runner has no keychain), and a `require` for the bundled
 * CommonJS dependencies (undici) to call.
 */
function esmBundle(target: 'node22' | 'node24'): BuildOptions {
  return {
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    external: ['@napi-rs/keyring'],
    banner: { js: "import { createRequire as __dcmCreateRequire } from 'node:module'; const require = __dcmCreateRequire(import.meta.url);" },
    plugins: [versionOnly],
  };
}

/**
 * The npm package's name. `dcm` is taken on the registry; a scope of the project's own keeps the
 * short name, and `npx @dcm-project/dcm …` runs the bin named like it (`dcm`, the CLI), where an
 * unscoped `docker-credential-dcm` would run the helper.
 */
const NPM_NAME = '@dcm-project/dcm';
/** The oldest Node the npm package runs on: process.execve and tls.getCACertificates arrived in 22.15. */
const NPM_NODE = '>=22.15.0';

/**
 * dist/npm: the npm package (`npm pack ./dist/npm`). Bundled JavaScript (ESM, code-split so that the
 * CLI is a chunk of its own that `get` never loads), two bin scripts whose names tell main.ts which
 * face to show, the README and the licence, and a package.json whose only dependency is the
 * keyring addon. The repository's own package.json stays the development manifest.
 */
async function buildNpmPackage(): Promise<void> {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    description: string;
    license: string;
    dependencies: Record<string, string>;
  };
  const out = join(DIST, 'npm');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'bin'), { recursive: true });
  await build({ ...esmBundle('node22'), entryPoints: ['src/main.ts'], outdir: join(out, 'lib'), splitting: true });
  for (const name of ['dcm', 'docker-credential-dcm']) {
    const bin = join(out, 'bin', `${name}.js`);
    writeFileSync(bin, "#!/usr/bin/env node\nimport '../lib/main.js';\n");
    chmodSync(bin, 0o755);
  }
  copyFileSync(join(ROOT, 'README.md'), join(out, 'README.md'));
  copyFileSync(join(ROOT, 'LICENSE'), join(out, 'LICENSE'));
  const manifest = {
    name: NPM_NAME,
    version: root.version,
    description: root.description,
    license: root.license,
    repository: { type: 'git', url: 'git+https://github.com/dcm-project/dcm.git' },
    keywords: ['docker', 'credential-helper', 'docker-credential-helpers', 'keychain', 'registry', 'login'],
    type: 'module',
    bin: { dcm: 'bin/dcm.js', 'docker-credential-dcm': 'bin/docker-credential-dcm.js' },
    files: ['bin', 'lib', 'README.md', 'LICENSE'],
    engines: { node: NPM_NODE },
    dependencies: { '@napi-rs/keyring': root.dependencies['@napi-rs/keyring'] },
    // A scoped package is private unless published public.
    publishConfig: { access: 'public' },
  };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`built ${out} (the npm package ${NPM_NAME}@${root.version}: npm pack ./dist/npm)`);
}

if (import.meta.main) await main();
