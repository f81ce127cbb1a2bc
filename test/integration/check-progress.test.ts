/**
 * `dcm check` at a terminal (a real pty, from util-linux's `script`) against one registry that
 * answers and one that accepts the connection and never answers: a line at once, the fast row
 * as soon as it is done, long before the slow one times out; on a pipe, and with --json, none of
 * that (issue 22, item 13).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession } from '../helpers/env.ts';
import { silentTcpServer } from '../helpers/fake-server.ts';
import { startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();

/** Runs COMMAND in a pty; the output with the time (ms from the start) at which each line came. */
function underPty(command: string, timeoutMs: number): Promise<{ lines: { at: number; text: string }[]; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: { at: number; text: string }[] = [];
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split(/\r?\n/);
      pending = parts.pop() ?? '';
      for (const text of parts) lines.push({ at: Date.now() - started, text });
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (pending) lines.push({ at: Date.now() - started, text: pending });
      resolve({ lines, code });
    });
    child.stdin.end();
  });
}

describe('dcm check shows progress at a terminal', () => {
  let registry: RunningRegistry;
  let silent: Awaited<ReturnType<typeof silentTcpServer>>;
  const hung = () => `127.0.0.1:${silent.port}`;

  beforeAll(async () => {
    requireTestSession();
    registry = await startRegistry({ fast: 'fast-Pa55' });
    silent = await silentTcpServer();
    expect(await run(bin.dcm, ['login', registry.host, '-u', 'fast', '--password-stdin'], { stdin: 'fast-Pa55' })).toExit(0);
    expect(await run(bin.helper, ['store'], { stdin: JSON.stringify({ ServerURL: hung(), Username: 'u', Secret: 's' }) })).toExit(0);
  });
  afterAll(async () => {
    await run(bin.dcm, ['logout', registry.host]);
    await run(bin.dcm, ['logout', hung()]);
    await silent?.stop();
    await registry?.stop();
  });

  it('a line at once, each row as it finishes, then the table', async () => {
    const { lines, code } = await underPty(`'${bin.dcm}' check ${registry.host} ${hung()} --timeout 4`, 60_000);
    expect(code).toBe(4);
    const at = (pattern: RegExp) => lines.find((line) => pattern.test(line.text));
    expect(at(/^checking 2 registries…$/)).toBeDefined();
    const fast = at(new RegExp(`^  ✓ ${registry.host.replace('.', '\\.')}: ok`));
    const slow = at(new RegExp(`^  ✗ ${hung().replace('.', '\\.')}: network`));
    expect(fast, lines.map((l) => l.text).join('\n')).toBeDefined();
    expect(slow).toBeDefined();
    // The fast row was on the screen well before the slow one gave up at its 4 s deadline.
    expect(slow!.at - fast!.at).toBeGreaterThan(2_000);
    expect(at(/^REGISTRY\s+USERNAME\s+STATUS/)!.at).toBeGreaterThanOrEqual(slow!.at);
  });

  it('on a pipe and with --json, only the result', async () => {
    const piped = await run(bin.dcm, ['check', registry.host]);
    expect(piped).toExit(0);
    expect(piped.stderr).toBe('');
    const json = await underPty(`'${bin.dcm}' check ${registry.host} --json`, 60_000);
    expect(json.lines.map((line) => line.text).filter((text) => text.trim() !== '')).toEqual([expect.stringMatching(/^\{"ok":true,/)]);
  });
});
