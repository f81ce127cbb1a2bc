/**
 * The real CNCF registry (Debian's docker-registry) on a loopback port, with htpasswd auth.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from './env.ts';

export interface RunningRegistry {
  host: string;
  dir: string;
  htpasswdPath: string;
  setUsers(users: Record<string, string>): void;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function htpasswdLine(user: string, password: string): string {
  const result = spawnSync('htpasswd', ['-nbB', user, password], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`htpasswd failed: ${result.stderr}`);
  return result.stdout.trim();
}

export async function startHtpasswdRegistry(users: Record<string, string>, extraConfig = ''): Promise<RunningRegistry> {
  const dir = tempDir('registry');
  const htpasswdPath = join(dir, 'htpasswd');
  const setUsers = (list: Record<string, string>) =>
    writeFileSync(htpasswdPath, Object.entries(list).map(([u, p]) => htpasswdLine(u, p)).join('\n') + '\n');
  setUsers(users);
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: test-only-not-a-secret',
      extraConfig,
      'auth:',
      '  htpasswd:',
      '    realm: dcm-test',
      `    path: ${htpasswdPath}`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitForHttp(`http://127.0.0.1:${port}/v2/`, child, () => log);
  return { host: `127.0.0.1:${port}`, dir, htpasswdPath, setUsers, stop: () => stopChild(child) };
}

export async function waitForHttp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early: ${log()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`server at ${url} did not start: ${log()}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
}
