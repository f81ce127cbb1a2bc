/**
 * `get` runs once per image pull, so it must load nothing but Node built-ins, the protocol
 * code and the keyring addon. This runs the real entry point with a module-load recorder and
 * fails if anything else (commander, undici, @inquirer/prompts, or any other package) loads.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireTestSession, tempDir } from '../helpers/env.ts';
import { run } from '../helpers/spawn.ts';

const SRC = pathToFileURL(join(ROOT, 'src')).href;
const MODULES = pathToFileURL(join(ROOT, 'node_modules')).href;
/** Source files the helper path may load; the CLI (src/cli) and registry client are not among them. */
const HELPER_SOURCES =
  /^(main|errors|version|platform\/(files|paths)|helper\/[\w-]+|store\/[\w/-]+|docker\/(server-address|helper-protocol)|providers\/bindings)\.ts$/;

async function modulesLoadedBy(args: string[], stdin: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const log = join(tempDir('modules'), 'loaded.txt');
  const result = await run(process.execPath, ['--import', join(ROOT, 'test/fixtures/record-modules.mjs'), join(ROOT, 'src/main.ts'), ...args], {
    stdin,
    env: { ...process.env, DCM_MODULE_LOG: log, ...env },
  });
  expect(result.stderr).toBe('');
  return readFileSync(log, 'utf8').trim().split('\n');
}

function disallowed(urls: string[]): string[] {
  return urls.filter((url) => {
    if (url.startsWith('node:')) return false;
    if (url === pathToFileURL(join(ROOT, 'package.json')).href) return false;
    if (url.startsWith(`${SRC}/`)) return !HELPER_SOURCES.test(url.slice(SRC.length + 1));
    if (url.startsWith(`${MODULES}/@napi-rs/keyring`)) return false;
    return true;
  });
}

describe('hot path', () => {
  beforeAll(requireTestSession);

  it.each([
    ['get', 'hot-path.test'],
    ['list', ''],
    ['store', '{"ServerURL":"hot-path.test","Username":"u","Secret":"s"}'],
    ['erase', 'hot-path.test'],
  ])('%s loads only built-ins, protocol code and the keyring addon', async (verb, stdin) => {
    const loaded = await modulesLoadedBy([verb], stdin);
    expect(loaded).toContain(`${SRC}/helper/run.ts`);
    expect(loaded.some((url) => url.startsWith(`${MODULES}/@napi-rs/keyring/`))).toBe(true);
    expect(disallowed(loaded)).toEqual([]);
  });

  /** dcm's settings with one exec binding, for `bound.test`. */
  function withBinding(): NodeJS.ProcessEnv {
    const config = tempDir('hot-path-config');
    const script = join(config, 'token.sh');
    writeFileSync(script, '#!/bin/sh\necho \'{"Username":"u","Secret":"hot-path-minted"}\'\n', { mode: 0o755 });
    mkdirSync(join(config, 'dcm'));
    writeFileSync(join(config, 'dcm', 'config.json'), JSON.stringify({ providers: { 'bound.test': { provider: 'exec', command: [script] } } }), {
      mode: 0o600,
    });
    return { XDG_CONFIG_HOME: config };
  }

  it('a get for a host no binding serves loads no provider code, though bindings exist (issue 24)', async () => {
    const loaded = await modulesLoadedBy(['get'], 'unbound.test', withBinding());
    expect(disallowed(loaded)).toEqual([]);
    expect(loaded).toContain(`${SRC}/providers/bindings.ts`);
  });

  it('a get for a bound host loads its provider, and no other (an exec binding: no undici, no AWS code)', async () => {
    const loaded = await modulesLoadedBy(['get'], 'bound.test', withBinding());
    expect(loaded).toContain(`${SRC}/providers/exec.ts`);
    const extra = disallowed(loaded).map((url) => url.slice(SRC.length + 1));
    expect(extra.sort()).toEqual(
      ['providers/exec.ts', 'providers/identity.ts', 'providers/provider.ts', 'providers/token-cache.ts', 'providers/tokens.ts', 'platform/process.ts'].sort(),
    );
  });

  it('the recorder does see packages: the CLI path loads commander', async () => {
    const loaded = await modulesLoadedBy(['--help'], '');
    expect(disallowed(loaded).some((url) => url.includes('/node_modules/commander/'))).toBe(true);
  });
});
