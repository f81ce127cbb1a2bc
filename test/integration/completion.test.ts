/**
 * Shell completion in the real shells: the script `dcm completion SHELL` prints is loaded into
 * bash, zsh (typed into an interactive zsh in tmux, Tab pressed) and fish, each asked to complete
 * a partial command line: a subcommand, an option, a stored registry name. Registry names come
 * without the keychain: completion works with no D-Bus session at all.
 * Covers: src/store/names-file.ts, src/cli/commands/completion/run.ts.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { testMachine } from '../helpers/machine.ts';
import { storeJson } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const REGISTRIES = ['ghcr.io', 'registry.example.test:5000', 'https://index.docker.io/v1/'];
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  requireTestSession();
  env = testMachine({ config: { credsStore: 'dcm', credHelpers: { 'quay.io': 'dcm' } } }).env;
  for (const registry of REGISTRIES) expect(await run(bin.helper, ['store'], { stdin: storeJson(registry, 'u', 'completion-Secret-1'), env })).toExit(0);
});
afterAll(async () => {
  for (const registry of REGISTRIES) await run(bin.helper, ['erase'], { stdin: registry, env });
});

/** Completions bash offers for a command line (the cursor at its end). */
async function bash(line: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string[]> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash script, not a template string
  const script = 'source <(dcm completion bash); COMP_LINE="$LINE"; COMP_POINT=${#COMP_LINE}; _dcm_complete; printf "%s\\n" "${COMPREPLY[@]}"';
  const result = await run('bash', ['-c', script], { env: { ...env, ...extraEnv, LINE: line } });
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

/** Completions fish offers (`complete -C`). */
async function fish(line: string): Promise<string[]> {
  const result = await run('fish', ['--no-config', '-c', 'dcm completion fish | source; complete -C "$LINE"'], { env: { ...env, LINE: line } });
  expect(result.stderr).toBe('');
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]!);
}

describe('bash', () => {
  it.each([
    ['a subcommand', 'dcm log', ['login', 'logout']],
    ['a mirror subcommand', 'dcm mirror ', ['add', 'check', 'ls', 'rm']],
    ['an option', 'dcm check --exp', ['--expiring-within']],
    ['a stored registry name', 'dcm login gh', ['ghcr.io']],
    ['Docker Hub as docker.io', 'dcm logout dock', ['docker.io']],
    ['a name from config.json', 'dcm check qu', ['quay.io']],
    ['a store', 'dcm setup --store p', ['pass']],
  ])('%s: %s', async (_name, line, expected) => expect(await bash(line)).toEqual(expected));

  it('a host:port name, after the colon bash breaks words at', async () => {
    expect(await bash('dcm login registry.example.test:')).toEqual(['5000']);
  });

  it('registry names without a keychain: no D-Bus session at all', async () => {
    expect(await bash('dcm login gh', { DBUS_SESSION_BUS_ADDRESS: '' })).toEqual(['ghcr.io']);
  });
});

describe('names planted in the names file or config.json (issue 19, items 8 and 17)', () => {
  const planted = [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax planted in the names file
    '$(touch${IFS}/tmp/dcm-pwned-names)',
    'evil.example;touch /tmp/dcm-pwned-semicolon',
    '`touch /tmp/dcm-pwned-backtick`',
    'esc.example\u001b]52;c;cHduZWQ=\u0007',
    '[::1]:5000',
    'ok.example:5443',
  ];
  let plantedEnv: NodeJS.ProcessEnv;
  beforeAll(() => {
    const state = tempDir('planted-state');
    const dockerConfig = tempDir('planted-docker');
    execFileSync('mkdir', ['-p', join(state, 'dcm')]);
    writeFileSync(join(state, 'dcm', 'registries'), planted.map((name) => `${name}\n`).join(''));
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { '$(touch /tmp/dcm-pwned-config)': {}, 'plain.example': {} } }));
    plantedEnv = { XDG_STATE_HOME: state, DOCKER_CONFIG: dockerConfig };
  });

  it('bash offers only valid registry names, each quoted for the shell', async () => {
    expect(await bash('dcm login ', plantedEnv)).toEqual(['\\[::1\\]:5000', 'ok.example:5443', 'plain.example']);
  });

  it('fish offers only valid registry names', async () => {
    const result = await run('fish', ['--no-config', '-c', 'dcm completion fish | source; complete -C "dcm login "'], { env: { ...env, ...plantedEnv } });
    // fish sorts candidates its own way.
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual(['[::1]:5000', 'ok.example:5443', 'plain.example']);
  });

  it('__complete itself prints nothing that is not a registry name', async () => {
    const result = await run(bin.dcm, ['__complete', '--', 'login', ''], { env: { ...env, ...plantedEnv } });
    expect(result.stdout).toBe('[::1]:5000\nok.example:5443\nplain.example\n');
  });
});

describe('fish', () => {
  it.each([
    ['a subcommand', 'dcm log', ['login', 'logout']],
    ['an option', 'dcm ls --j', ['--json']],
    ['a stored registry name', 'dcm login gh', ['ghcr.io']],
    ['a shell', 'dcm completion f', ['fish']],
  ])('%s: %s', async (_name, line, expected) => expect(await fish(line)).toEqual(expected));
});

describe('zsh (interactive, in tmux)', () => {
  const session = `dcm-zsh-${process.pid}`;
  const home = tempDir('zsh-home');
  // zsh gets a HOME of its own (its .zshrc); dcm's state stays where the logins were stored.
  const zshEnv = () => ({ ...env, HOME: home, XDG_STATE_HOME: process.env.XDG_STATE_HOME ?? join(process.env.HOME!, '.local', 'state') });
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', session, ...args], { encoding: 'utf8', env: zshEnv() });
  // The visible screen; tmux trims each line's trailing blanks, so patterns end in \s*$.
  const screen = () => tmux('capture-pane', '-p', '-t', session).trimEnd();
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 100; i++) {
      if (pattern.test(screen())) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`zsh never showed ${pattern}:\n${screen()}`);
  };

  beforeAll(async () => {
    writeFileSync(join(home, '.zshrc'), 'PS1="zsh> "\nautoload -Uz compinit && compinit -u\nsource <(dcm completion zsh)\n');
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', 'zsh');
    await waitFor(/zsh>\s*$/);
  });
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // Already gone.
    }
  });

  it.each([
    ['a subcommand', 'dcm rat', /zsh> dcm ratelimit\s*$/],
    ['a stored registry name', 'dcm login gh', /zsh> dcm login ghcr\.io\s*$/],
    ['an option', 'dcm check --expir', /zsh> dcm check --expiring-within\s*$/],
  ])('%s: %s ⇥', async (_name, typed, expected) => {
    tmux('send-keys', '-t', session, typed, 'Tab');
    await waitFor(expected);
    tmux('send-keys', '-t', session, 'C-u');
    await waitFor(/zsh>\s*$/);
  });
});
