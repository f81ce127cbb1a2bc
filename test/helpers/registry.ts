/**
 * The real CNCF registry (Debian's docker-registry) on a loopback port, with htpasswd auth.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
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

export interface RegistryOptions {
  /** Serve TLS with this certificate (signed by a test CA) instead of plain HTTP. */
  tls?: { certPath: string; keyPath: string };
  /** Token auth (`auth: token:`) instead of htpasswd. */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** No auth at all (anyone may pull), as a public pull-through cache runs. */
  anonymous?: boolean;
  /** Pull-through cache mode (`proxy:`), in front of `remoteurl`. */
  proxy?: { remoteurl: string; username?: string; password?: string };
  /** Extra environment for the registry process (SSL_CERT_FILE to trust a test CA upstream). */
  env?: NodeJS.ProcessEnv;
}

/** The real registry on a loopback port: htpasswd auth by default, or token auth. */
export async function startRegistry(users: Record<string, string>, options: RegistryOptions = {}): Promise<RunningRegistry> {
  const dir = tempDir('registry');
  const htpasswdPath = join(dir, 'htpasswd');
  const setUsers = (list: Record<string, string>) =>
    writeFileSync(
      htpasswdPath,
      `${Object.entries(list)
        .map(([u, p]) => htpasswdLine(u, p))
        .join('\n')}\n`,
    );
  setUsers(users);
  const port = await freePort();
  const config = join(dir, 'config.yml');
  const auth = options.token
    ? [
        'auth:',
        '  token:',
        `    realm: ${options.token.realm}`,
        `    service: ${options.token.service}`,
        `    issuer: ${options.token.issuer}`,
        `    rootcertbundle: ${options.token.rootCertBundle}`,
      ]
    : options.anonymous
      ? []
      : ['auth:', '  htpasswd:', '    realm: dcm-test', `    path: ${htpasswdPath}`];
  const proxy = options.proxy
    ? [
        'proxy:',
        `  remoteurl: ${options.proxy.remoteurl}`,
        ...(options.proxy.username ? [`  username: ${options.proxy.username}`, `  password: ${options.proxy.password}`] : []),
      ]
    : [];
  const tls = options.tls ? ['  tls:', `    certificate: ${options.tls.certPath}`, `    key: ${options.tls.keyPath}`] : [];
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
      ...tls,
      ...auth,
      ...proxy,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitForPort(port, child, () => log);
  return { host: `127.0.0.1:${port}`, dir, htpasswdPath, setUsers, stop: () => stopChild(child) };
}

export const startHtpasswdRegistry = (users: Record<string, string>) => startRegistry(users);

/** Waits until something accepts connections on the loopback port. */
export async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`server on port ${port} did not start: ${log()}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
}

/**
 * A TLS registry reached by a DNS name (`NAME:443`) through a CONNECT proxy on loopback. Docker,
 * and so dcm, treats a loopback registry as insecure and does not verify its certificate; a test
 * of certificate verification needs a name that is not on this machine, and this is one: the
 * name resolves nowhere, the proxy carries the tunnel to the registry's loopback port.
 */
export async function startNamedTlsRegistry(
  name: string,
  users: Record<string, string>,
  tls: { certPath: string; keyPath: string },
): Promise<{ registry: RunningRegistry; host: string; env: NodeJS.ProcessEnv; stop(): Promise<void> }> {
  const { connectProxy } = await import('./fake-server.ts');
  const registry = await startRegistry(users, { tls });
  const port = Number(registry.host.split(':')[1]);
  const proxy = await connectProxy(() => ({ host: '127.0.0.1', port }));
  return {
    registry,
    host: name,
    env: { ...process.env, HTTPS_PROXY: proxy.url, NO_PROXY: '' },
    stop: async () => {
      await proxy.stop();
      await registry.stop();
    },
  };
}
