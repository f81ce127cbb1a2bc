/**
 * `npm run build`: dist/dcm, one executable file (Node 24's single-executable-application
 * support, with the code cache on and the keyring addon embedded as an asset), and
 * dist/docker-credential-dcm, a link to it.
 *
 * 1. esbuild bundles src/main.ts into one CommonJS file (SEA runs CommonJS), swapping
 *    store/native.ts for store/native-sea.ts. The management CLI (src/cli, with commander,
 *    undici and @inquirer/prompts) is bundled separately and carried as an asset that main.ts
 *    evaluates only when a CLI command runs: V8 parses the whole main script at every start, so
 *    the 2 MB of CLI code would otherwise cost every `get` about 5 ms (README, "Performance").
 * 2. node --experimental-sea-config turns it into a blob (code cache included).
 * 3. postject injects the blob into a copy of the Node 24 binary that runs this script, its
 *    symbol tables stripped first on Linux.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const WORK = join(DIST, '.build');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const require = createRequire(import.meta.url);

/** The prebuilt addon package @napi-rs/keyring installed for this platform. */
function keyringAddonPath(): string {
  const abi =
    process.platform === 'linux'
      ? (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime
        ? '-gnu'
        : '-musl'
      : process.platform === 'win32'
        ? '-msvc'
        : '';
  const pkg = `@napi-rs/keyring-${process.platform}-${process.arch}${abi}`;
  const dir = dirname(require.resolve(`${pkg}/package.json`));
  const file = readdirSync(dir).find((name) => name.endsWith('.node'));
  if (!file) throw new Error(`no .node file in ${dir}`);
  return join(dir, file);
}

/** Runs a build step, showing its output only when it fails (postject warns about every ELF note). */
function quiet(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`${command} ${args.join(' ')} failed with exit ${result.status}`);
  }
}

/**
 * The Node binary carries its symbol tables (about 18 MB on Linux): strip them before the blob
 * is injected. `--strip-all` keeps `.dynsym`, which the keyring addon's N-API imports resolve
 * against. Only on Linux (macOS signs the binary, Windows has no symbols in the .exe); without
 * binutils' strip the build says so and keeps the full binary.
 */
function stripDebugSymbols(executable: string): void {
  if (process.platform !== 'linux') return;
  const before = statSync(executable).size;
  const result = spawnSync('strip', ['--strip-all', executable], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    process.stderr.write(
      `build: strip could not run (${result.error?.message ?? result.stderr.trim()}); dist/dcm keeps its symbols. Install binutils to strip it.\n`,
    );
    return;
  }
  console.log(`stripped the Node binary: ${(before / 1e6).toFixed(1)} MB → ${(statSync(executable).size / 1e6).toFixed(1)} MB`);
}

async function main(): Promise<void> {
  const executable = join(DIST, process.platform === 'win32' ? 'dcm.exe' : 'dcm');
  const link = join(DIST, process.platform === 'win32' ? 'docker-credential-dcm.exe' : 'docker-credential-dcm');
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });

  const addon = keyringAddonPath();
  const addonHash = createHash('sha256').update(readFileSync(addon)).digest('hex').slice(0, 16);
  const bundle = join(WORK, 'dcm.cjs');
  const cliBundle = join(WORK, 'cli.cjs');
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // The Node that package.json pins (engines.node), which also runs this script.
    target: `node${process.versions.node.split('.')[0]}`,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { __DCM_ADDON_ASSET__: '"keyring.node"', __DCM_ADDON_HASH__: JSON.stringify(addonHash) },
  } as const;
  // version.ts reads package.json: carry only the version, not every dependency's name.
  const versionOnly: Plugin = {
    name: 'version-only',
    setup(b) {
      b.onLoad({ filter: /[\\/]package\.json$/ }, (args) =>
        args.path === join(ROOT, 'package.json')
          ? { loader: 'json', contents: JSON.stringify({ version: (JSON.parse(readFileSync(args.path, 'utf8')) as { version: string }).version }) }
          : undefined,
      );
    },
  };
  const seaNative: Plugin = {
    name: 'sea-native',
    setup(b) {
      b.onResolve({ filter: /\/native\.ts$/ }, (args) => ({ path: join(args.resolveDir, dirname(args.path), 'native-sea.ts') }));
    },
  };
  // main.ts's `import('./cli/program.ts')` becomes: evaluate the CLI bundle carried as an asset.
  const cliFromAsset: Plugin = {
    name: 'cli-from-asset',
    setup(b) {
      b.onResolve({ filter: /\/cli\/program\.ts$/ }, () => ({ path: 'cli-from-asset', namespace: 'dcm' }));
      b.onLoad({ filter: /.*/, namespace: 'dcm' }, () => ({
        loader: 'js',
        contents: `
          const { getAsset } = require('node:sea');
          const { compileFunction } = require('node:vm');
          const code = getAsset('cli.cjs', 'utf8');
          const cli = { exports: {} };
          compileFunction(code, ['module', 'exports', 'require'], { filename: 'dcm-cli.cjs' })(cli, cli.exports, require);
          module.exports = cli.exports;`,
      }));
    },
  };
  await build({ ...common, entryPoints: ['src/main.ts'], outfile: bundle, plugins: [versionOnly, seaNative, cliFromAsset] });
  await build({ ...common, entryPoints: ['src/cli/program.ts'], outfile: cliBundle, plugins: [versionOnly, seaNative] });

  const blob = join(WORK, 'sea-prep.blob');
  const seaConfig = join(WORK, 'sea-config.json');
  writeFileSync(
    seaConfig,
    JSON.stringify({
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      useSnapshot: false,
      assets: { 'keyring.node': addon, 'cli.cjs': cliBundle },
    }),
  );
  quiet(process.execPath, ['--experimental-sea-config', seaConfig]);

  rmSync(executable, { force: true });
  copyFileSync(process.execPath, executable);
  chmodSync(executable, 0o755);
  stripDebugSymbols(executable);
  if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', executable]);
  const postject = join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
  quiet(process.execPath, [
    postject,
    executable,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    SEA_FUSE,
    ...(process.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : []),
  ]);
  if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', executable]);

  rmSync(link, { force: true });
  if (process.platform === 'win32') copyFileSync(executable, link);
  else symlinkSync('dcm', link);
  // The bundles stay in dist/.build for inspection (test/binary checks the main one stays lean).
  rmSync(blob, { force: true });
  console.log(`built ${executable} (${(statSync(executable).size / 1e6).toFixed(1)} MB, keyring addon ${addonHash}) and ${link}`);
  await buildNpmPackage(versionOnly);
  await buildAction(versionOnly);
}

/**
 * dist/action/index.mjs: the GitHub Action's entry (action/main.ts) in one file, with every
 * dependency inside, since a runner installs none. The keyring addon stays out (a runner has no
 * keychain; dcm's store is only the last place ratelimit looks). action.yml runs the committed
 * copy, action/dist/index.mjs; test/binary/action.test.ts fails when the two differ.
 */
async function buildAction(versionOnly: Plugin): Promise<void> {
  await build({ ...esmBundle(versionOnly, 'node24'), entryPoints: ['action/main.ts'], outfile: join(DIST, 'action', 'index.mjs') });
  console.log(`built ${join(DIST, 'action', 'index.mjs')} (the GitHub Action; commit it as action/dist/index.mjs)`);
}

/**
 * The ESM bundle options the npm package and the Action share: the keyring addon left outside
 * (a dependency of the package; a runner has no keychain), and a `require` for the bundled
 * CommonJS dependencies (undici) to call.
 */
function esmBundle(versionOnly: Plugin, target: 'node22' | 'node24'): BuildOptions {
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
 * dist/npm: the npm package (`npm pack dist/npm`). Bundled JavaScript (ESM, code-split so that the
 * CLI is a chunk of its own that `get` never loads), two bin scripts whose names tell main.ts which
 * face to show, the README and the licence, and a package.json whose only dependency is the
 * keyring addon. The repository's own package.json stays the development manifest.
 */
async function buildNpmPackage(versionOnly: Plugin): Promise<void> {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    description: string;
    license: string;
    dependencies: Record<string, string>;
  };
  const out = join(DIST, 'npm');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'bin'), { recursive: true });
  await build({ ...esmBundle(versionOnly, 'node22'), entryPoints: ['src/main.ts'], outdir: join(out, 'lib'), splitting: true });
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
  console.log(`built ${out} (the npm package ${NPM_NAME}@${root.version}: npm pack dist/npm)`);
}

await main();
