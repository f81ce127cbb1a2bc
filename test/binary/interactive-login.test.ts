/**
 * The interactive login prompt, driven through a real terminal: the built binary runs in tmux,
 * the test types with send-keys and reads the screen with capture-pane.
 * Covers: src/cli/prompt.ts.
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession } from '../helpers/env.ts';
import { dcmHelper } from '../helpers/helper-process.ts';
import { startRegistry, type RunningRegistry } from '../helpers/registry.ts';

const USER = 'prompted-user';
const PASSWORD = 'typed-Secret-42';
const socket = `dcm-test-${process.pid}`;

const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'login').stdout;

async function waitFor(text: string | RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const content = screen();
    if (typeof text === 'string' ? content.includes(text) : text.test(content)) return content;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; screen:\n${content}`);
    await sleep(100);
  }
}

describe('dcm login at a terminal (tmux)', () => {
  let registry: RunningRegistry;
  const helper = dcmHelper();

  beforeAll(async () => {
    requireTestSession();
    registry = await startRegistry({ [USER]: PASSWORD });
    // A session that outlives every login session: the private tmux server stays up between
    // cases (killing its only session ends the server, and a new-session right after raced it).
    const keep = tmux('new-session', '-d', '-s', 'keep', 'sleep 600');
    expect(keep.status, keep.stderr).toBe(0);
  });
  afterAll(async () => {
    tmux('kill-server');
    await helper('erase', registry?.host ?? '');
    await registry?.stop();
  });

  const start = () => {
    tmux('kill-session', '-t', 'login');
    // A private tmux server (-L) started from this process inherits this environment: the
    // test's D-Bus session, HOME and keychain.
    const result = tmux(
      'new-session',
      '-d',
      '-s',
      'login',
      '-x',
      '120',
      '-y',
      '20',
      `${process.env.DCM_TEST_BINARY} login ${registry.host}; echo "EXIT=$?"; sleep 30`,
    );
    expect(result.status, result.stderr).toBe(0);
  };

  it('prompts for username and password, hides the password, and logs in', async () => {
    start();
    await waitFor('Username:');
    tmux('send-keys', '-t', 'login', USER, 'Enter');
    await waitFor('Password:');
    tmux('send-keys', '-t', 'login', PASSWORD, 'Enter');
    const final = await waitFor(/EXIT=\d+/);
    expect(final).toContain('Login Succeeded');
    expect(final).toContain('EXIT=0');
    expect(final).not.toContain(PASSWORD);
    expect(JSON.parse((await helper('get', registry.host)).stdout)).toMatchObject({ Username: USER, Secret: PASSWORD });
  });

  it('offers the stored username as the default', async () => {
    start();
    const prompt = await waitFor('Username:');
    expect(prompt).toContain(USER);
    tmux('send-keys', '-t', 'login', 'Enter');
    await waitFor('Password:');
    tmux('send-keys', '-t', 'login', 'wrong-password', 'Enter');
    const final = await waitFor(/EXIT=\d+/);
    expect(final).toContain('EXIT=3');
    expect(final).toMatch(/wrong username or password/);
    // The failed attempt stored nothing: the good login is still there.
    expect(JSON.parse((await helper('get', registry.host)).stdout)).toMatchObject({ Secret: PASSWORD });
  });

  it('Ctrl-C at the password prompt ends with exit 130, quietly, storing nothing (issue 22, item 11)', async () => {
    await helper('erase', registry.host);
    start();
    await waitFor('Username:');
    tmux('send-keys', '-t', 'login', USER, 'Enter');
    await waitFor('Password:');
    tmux('send-keys', '-t', 'login', 'half-typed', 'C-c');
    const final = await waitFor(/EXIT=\d+/);
    expect(final).toContain('EXIT=130');
    expect(final).not.toMatch(/internal error|force closed/);
    expect(await helper('get', registry.host)).toExit(1);
  });
});
