/** What completes the last word, from a named one-line table, over the real command tree. */
import { describe, expect, it } from 'vitest';
import { candidates, completionTree, isRegistryName } from '../../../../../src/cli/commands/completion/run.ts';
import { createContext } from '../../../../../src/cli/context.ts';
import { buildProgram } from '../../../../../src/cli/program.ts';

const quiet = { write: () => true };
const tree = completionTree(buildProgram(createContext({ stdout: quiet, stderr: quiet, env: {} } as unknown as Parameters<typeof createContext>[0])));
const sources = { registries: () => ['ghcr.io', 'docker.io', 'registry.example:5000'], mirrors: () => ['https://mirror.example/'] };

describe('candidates', () => {
  it.each([
    [
      'nothing typed: every visible command',
      [''],
      ['check', 'completion', 'doctor', 'import', 'kubelet-provider', 'login', 'logout', 'ls', 'migrate', 'mirror', 'ratelimit', 'setup', 'version'],
    ],
    ['a prefix', ['lo'], ['login', 'logout']],
    ['the hidden command is never offered', ['__'], []],
    ['a registry for login', ['login', 'g'], ['ghcr.io']],
    ['a registry for check, after an option', ['check', '--json', 'd'], ['docker.io']],
    ['no registry after the value of -u', ['login', '-u', 'me', 'r'], ['registry.example:5000']],
    ['nothing for the value of -u itself', ['login', '-u', ''], []],
    ['options of login', ['login', '--pass'], ['--password', '--password-stdin']],
    ['mirror subcommands', ['mirror', ''], ['add', 'check', 'ls', 'rm']],
    ['mirror URLs for rm', ['mirror', 'rm', ''], ['https://mirror.example/']],
    ['nothing for mirror add (a new URL)', ['mirror', 'add', ''], []],
    ['a registry for ratelimit --registry', ['ratelimit', '--registry', 'gh'], ['ghcr.io']],
    ['stores for setup --store', ['setup', '--store', ''], ['cache', 'os', 'pass']],
    [
      'formats for ratelimit --format, so bash never falls back to file names (issue 22, item 15)',
      ['ratelimit', '--format', ''],
      ['github', 'json', 'prometheus', 'text'],
    ],
    ['a format by its first letters', ['ratelimit', '--format', 'pr'], ['prometheus']],
    ['shells', ['completion', ''], ['bash', 'fish', 'zsh']],
    ['one shell only', ['completion', 'bash', ''], []],
    ['an unknown command completes nothing', ['frobnicate', ''], []],
  ])('%s', (_name, words, expected) => expect(candidates(tree, words, sources)).toEqual(expected));
});

describe('isRegistryName: what completion may offer (issue 19, item 8)', () => {
  it.each([
    ['ghcr.io', true],
    ['registry.example.test:5000', true],
    ['[::1]:5000', true],
    ['localhost', true],
    ['gitlab.example.com/group', true],
    ['$(touch /tmp/x)', false],
    ['a;b', false],
    ['`id`', false],
    ['x\u001b]52;c;e\u0007', false],
    ['has space', false],
    ['-flag', false],
    ['', false],
    ['a'.repeat(400), false],
  ])('%j → %s', (name, expected) => expect(isRegistryName(name)).toBe(expected));
});
