/**
 * argv → command handler and options, with every command module mocked: the program file
 * declares, the modules do.
 */
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CliIo } from '../../../src/cli/io.ts';

const calls: Array<{ command: string; args: unknown[] }> = [];
const record =
  (command: string) =>
  (...args: unknown[]) => {
    calls.push({ command, args: args.slice(0, -1) });
  };
vi.mock('../../../src/cli/commands/login.ts', () => ({ login: vi.fn(record('login')) }));
vi.mock('../../../src/cli/commands/logout.ts', () => ({ logout: vi.fn(record('logout')) }));
vi.mock('../../../src/cli/commands/ls.ts', () => ({ ls: vi.fn(record('ls')) }));
vi.mock('../../../src/cli/commands/check.ts', () => ({ check: vi.fn(record('check')) }));
vi.mock('../../../src/cli/commands/ratelimit.ts', () => ({ ratelimit: vi.fn(record('ratelimit')) }));
vi.mock('../../../src/cli/commands/setup.ts', () => ({ setup: vi.fn(record('setup')) }));
vi.mock('../../../src/cli/commands/migrate.ts', () => ({ migrate: vi.fn(record('migrate')) }));
vi.mock('../../../src/cli/commands/import.ts', () => ({ importFrom: vi.fn(record('import')) }));
vi.mock('../../../src/cli/commands/doctor.ts', () => ({ doctor: vi.fn(record('doctor')) }));

const { runCli } = await import('../../../src/cli/program.ts');

function io(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdin: new PassThrough(),
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: {},
    isTTY: false,
    out: () => out,
    err: () => err,
  };
}

describe('dcm argv', () => {
  beforeEach(() => {
    calls.length = 0;
  });

  it.each<[string[], string, unknown[]]>([
    [['login'], 'login', [undefined, {}]],
    [['login', 'ghcr.io', '-u', 'octo', '--password-stdin'], 'login', ['ghcr.io', { username: 'octo', passwordStdin: true }]],
    [
      ['login', 'r.example:5000', '--cert-dir', '/c', '--insecure', '--timeout', '5'],
      'login',
      ['r.example:5000', { certDir: '/c', insecure: true, timeout: '5' }],
    ],
    [['logout', '--all'], 'logout', [undefined, { all: true }]],
    [['ls', '--json'], 'ls', [{ json: true }]],
    [['check', 'a.io', 'b.io', '--json'], 'check', [['a.io', 'b.io'], { json: true }]],
    [['ratelimit', '--anonymous', '--format', 'prometheus', '--fail-under', '10'], 'ratelimit', [{ anonymous: true, format: 'prometheus', failUnder: '10' }]],
    [['setup', '--registry', 'ghcr.io', 'quay.io'], 'setup', [{ registry: ['ghcr.io', 'quay.io'] }]],
    [['migrate', '--dry-run', '--verify'], 'migrate', [{ dryRun: true, verify: true }]],
    [['import', '--from', 'pass', '--remove'], 'import', [{ from: 'pass', remove: true }]],
    [['doctor', '--json'], 'doctor', [{ json: true }]],
  ])('%j → %s', async (argv, command, args) => {
    const cli = io();
    expect(await runCli(argv, cli)).toBe(0);
    expect(calls).toEqual([{ command, args }]);
  });

  it.each([[['bogus']], [['login', '--no-such-flag']], [['ls', 'extra', 'args']], [['import']]])('%j is a usage error, exit 2, nothing run', async (argv) => {
    const cli = io();
    expect(await runCli(argv, cli)).toBe(2);
    expect(cli.err()).toMatch(/error:/);
    expect(calls).toEqual([]);
  });

  it.each(['login', 'logout', 'ls', 'check', 'ratelimit', 'setup', 'migrate', 'import', 'doctor'])('%s --help has examples', async (command) => {
    const cli = io();
    expect(await runCli([command, '--help'], cli)).toBe(0);
    expect(cli.out()).toMatch(/Examples:\n {2}\$ dcm /);
  });

  it('no arguments prints help, exit 0', async () => {
    const cli = io();
    expect(await runCli([], cli)).toBe(0);
    expect(cli.out()).toContain('Usage: dcm');
  });
});
