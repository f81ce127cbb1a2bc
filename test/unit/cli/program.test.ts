/**
 * argv → command handler and options, with every command's run module mocked: each
 * command.ts declares, its run.ts does.
 * Covers: src/cli/declaration.ts, src/cli/commands/check/command.ts, src/cli/commands/completion/command.ts, src/cli/commands/doctor/command.ts, src/cli/commands/import/command.ts, src/cli/commands/kubelet-provider/command.ts, src/cli/commands/login/command.ts, src/cli/commands/logout/command.ts, src/cli/commands/ls/command.ts, src/cli/commands/migrate/command.ts, src/cli/commands/mirror/command.ts, src/cli/commands/ratelimit/command.ts, src/cli/commands/setup/command.ts, src/cli/commands/version/command.ts.
 */
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CliIo } from '../../../src/cli/context.ts';

const calls: Array<{ command: string; args: unknown[] }> = [];
const record =
  (command: string) =>
  (...args: unknown[]) => {
    calls.push({ command, args: args.slice(0, -1) });
  };
vi.mock('../../../src/cli/commands/login/run.ts', () => ({ login: vi.fn(record('login')) }));
vi.mock('../../../src/cli/commands/logout/run.ts', () => ({ logout: vi.fn(record('logout')) }));
vi.mock('../../../src/cli/commands/ls/run.ts', () => ({ ls: vi.fn(record('ls')) }));
vi.mock('../../../src/cli/commands/check/run.ts', () => ({ check: vi.fn(record('check')) }));
vi.mock('../../../src/cli/commands/ratelimit/run.ts', () => ({ ratelimit: vi.fn(record('ratelimit')) }));
vi.mock('../../../src/cli/commands/setup/run.ts', () => ({ setup: vi.fn(record('setup')) }));
vi.mock('../../../src/cli/commands/migrate/run.ts', () => ({ migrate: vi.fn(record('migrate')) }));
vi.mock('../../../src/cli/commands/import/run.ts', () => ({ importFrom: vi.fn(record('import')) }));
vi.mock('../../../src/cli/commands/doctor/run.ts', () => ({ doctor: vi.fn(record('doctor')) }));
vi.mock('../../../src/cli/commands/migrate/run-stores.ts', () => ({ migrateStores: vi.fn(record('migrate-stores')) }));
vi.mock('../../../src/cli/commands/mirror/run.ts', () => ({
  mirrorLs: vi.fn(record('mirror ls')),
  mirrorCheck: vi.fn(record('mirror check')),
  mirrorAdd: vi.fn(record('mirror add')),
  mirrorRm: vi.fn(record('mirror rm')),
}));

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
    [['migrate', '--from-store', 'os', '--to-store', 'pass'], 'migrate-stores', [{ fromStore: 'os', toStore: 'pass' }]],
    [['mirror', 'ls', '--json'], 'mirror ls', [{ json: true }]],
    [['mirror', 'check', 'https://m.example', '--image', 'library/busybox'], 'mirror check', [['https://m.example'], { image: 'library/busybox' }]],
    [['mirror', 'add', 'https://m.example', '--no-check'], 'mirror add', ['https://m.example', { check: false }]],
    [['mirror', 'rm', 'https://m.example'], 'mirror rm', ['https://m.example', {}]],
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
