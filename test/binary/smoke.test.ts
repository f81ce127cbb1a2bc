/**
 * One pass of every protocol verb and every command through the installed single binary
 * (dist/dcm), against the real Secret Service, the real CNCF registry, a Docker Hub stand-in,
 * Docker's Go helper, gpg and the Docker CLI. The behaviours themselves are proved in
 * test/integration against the sources; this proves that the binary carries every one of them:
 * each command's lazily loaded code is in the CLI bundle, each store's backend is in the binary,
 * and the cache agent starts from the binary itself.
 * Covers: src/version.ts, src/main.ts.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson } from '../helpers/helper-process.ts';
import { startHubStandIn, type HubStandIn } from '../helpers/hub-standin.ts';
import { startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const USER = 'smoke';
const PASSWORD = 'smoke-Pa55word-31';
let registry: RunningRegistry;
let hub: HubStandIn;
let env: NodeJS.ProcessEnv;
const dcm = (args: string[], stdin = '', extra: NodeJS.ProcessEnv = {}) => run(bin.dcm, args, { stdin, env: { ...env, ...extra } });
const helper = (verb: string, stdin = '', extra: NodeJS.ProcessEnv = {}) => run(bin.helper, [verb], { stdin, env: { ...env, ...extra } });

beforeAll(async () => {
  requireTestSession();
  expect(process.env.DCM_TEST_BINARY).toBeTruthy();
  registry = await startRegistry({ [USER]: PASSWORD });
  hub = await startHubStandIn({ hubuser: 'hub-Passw0rd' });
  const dockerConfig = tempDir('smoke-docker');
  writeFileSync(join(dockerConfig, 'config.json'), '{}\n');
  env = { ...process.env, DOCKER_CONFIG: dockerConfig, PATH: `${bin.dir}:${process.env.PATH}`, XDG_CONFIG_HOME: tempDir('smoke-xdg') };
});
afterAll(async () => {
  await registry?.stop();
  await hub?.stop();
});

describe('providers through the binary (issue 24)', () => {
  it('login --provider exec verifies and binds; get for the bound host runs the provider from its own asset, then serves the cache', async () => {
    const dir = tempDir('smoke-exec');
    const script = join(dir, 'mint.sh');
    writeFileSync(join(dir, 'runs'), '');
    writeFileSync(script, `#!/bin/sh\necho run >> ${join(dir, 'runs')}\necho '{"Username":"${USER}","Secret":"${PASSWORD}"}'\n`, { mode: 0o755 });
    expect(await dcm(['login', registry.host, '--provider', 'exec', '--command', script])).toExit(0);
    for (let i = 0; i < 2; i++)
      expect(JSON.parse((await helper('get', registry.host)).stdout)).toEqual({ ServerURL: registry.host, Username: USER, Secret: PASSWORD });
    expect(readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await dcm(['logout', registry.host])).toExit(0);
  });

  it('a provider that fails: get says why in one line (its error crosses from the provider’s bundle as dcm’s own)', async () => {
    const dir = tempDir('smoke-exec-fail');
    const script = join(dir, 'fail.sh');
    writeFileSync(script, '#!/bin/sh\necho "vault: permission denied" >&2\nexit 2\n', { mode: 0o755 });
    const config = join(tempDir('smoke-exec-xdg'), 'dcm');
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'config.json'), JSON.stringify({ providers: { 'failing.example': { provider: 'exec', command: [script] } } }), { mode: 0o600 });
    const get = await helper('get', 'failing.example', { XDG_CONFIG_HOME: join(config, '..') });
    expect(get).toExit(1);
    expect(get.stdout).toBe(`exec: ${script} exited 2: vault: permission denied\n`);
  });

  it('as the kubelet runs it (a dcm-kubelet-provider link): a bound registry’s token in a CredentialProviderResponse', async () => {
    const dir = tempDir('smoke-kubelet');
    const script = join(dir, 'mint.sh');
    writeFileSync(script, '#!/bin/sh\necho \'{"Username":"robot","Secret":"kubelet-smoke"}\'\n', { mode: 0o755 });
    const config = join(dir, 'xdg', 'dcm');
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'config.json'), JSON.stringify({ providers: { 'kube.example': { provider: 'exec', command: [script] } } }), { mode: 0o600 });
    symlinkSync(process.env.DCM_TEST_BINARY!, join(dir, 'dcm-kubelet-provider'));
    const answer = await run(join(dir, 'dcm-kubelet-provider'), [], {
      stdin: JSON.stringify({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1', kind: 'CredentialProviderRequest', image: 'kube.example/app:1' }),
      env: { ...env, XDG_CONFIG_HOME: join(dir, 'xdg') },
    });
    expect(answer).toExit(0);
    expect(JSON.parse(answer.stdout).auth).toEqual({ 'kube.example': { username: 'robot', password: 'kubelet-smoke' } });
  });

  it('an aws binding loads its provider (undici inside) from the binary: with no credentials, one line saying what was tried', async () => {
    const aws = {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_ACCESS_KEY_ID: '',
      AWS_PROFILE: '',
    };
    const login = await dcm(['login', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', '--provider', 'aws'], '', aws);
    expect(login).toExit(3);
    expect(login.stderr).toMatch(/^dcm: aws: no credentials found; tried /);
  });
});

describe('the protocol through the binary', () => {
  it('store, get, list, erase, version', async () => {
    expect(await helper('store', storeJson('smoke.example', 'u', 'smoke-Secret'))).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse((await helper('get', 'smoke.example')).stdout)).toEqual({ ServerURL: 'smoke.example', Username: 'u', Secret: 'smoke-Secret' });
    expect(JSON.parse((await helper('list')).stdout)).toMatchObject({ 'smoke.example': 'u' });
    expect(await helper('erase', 'smoke.example')).toMatchObject({ code: 0 });
    expect((await helper('version')).stdout).toMatch(/^docker-credential-dcm \S+/);
  });

  it('the cache store: the binary starts its own agent', async () => {
    const runtime = join(tempDir('smoke-cache'), 'run');
    mkdirSync(runtime, { mode: 0o700 });
    const cache = { DCM_STORE: 'cache', XDG_RUNTIME_DIR: runtime };
    expect(await helper('store', storeJson('cache.smoke.example', 'u', 'cache-Secret'), cache)).toMatchObject({ code: 0 });
    expect(JSON.parse((await helper('get', 'cache.smoke.example', cache)).stdout).Secret).toBe('cache-Secret');
    expect(await helper('erase', 'cache.smoke.example', cache)).toMatchObject({ code: 0 });
  });

  it('the pass store: gpg through the binary', async () => {
    const home = tempDir('smoke-pass');
    const gnupg = join(home, '.gnupg');
    mkdirSync(gnupg, { mode: 0o700 });
    const pass = { DCM_STORE: 'pass', GNUPGHOME: gnupg, PASSWORD_STORE_DIR: join(home, 'store') };
    const key = await run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'smoke <smoke@test.invalid>', 'default', 'default', 'never'], {
      env: { ...env, ...pass },
    });
    expect(key).toExit(0);
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec((await run('gpg', ['--list-secret-keys', '--with-colons'], { env: { ...env, ...pass } })).stdout)![1]!;
    expect(await run('pass', ['init', fingerprint], { env: { ...env, ...pass } })).toExit(0);
    expect(await helper('store', storeJson('pass.smoke.example', 'u', 'pass-Secret'), pass)).toMatchObject({ code: 0 });
    expect(JSON.parse((await helper('get', 'pass.smoke.example', pass)).stdout).Secret).toBe('pass-Secret');
    expect(await helper('erase', 'pass.smoke.example', pass)).toMatchObject({ code: 0 });
    await run('gpgconf', ['--kill', 'gpg-agent'], { env: { ...env, ...pass } });
  });
});

describe('every command through the binary', () => {
  it('login, ls, check, logout against the real registry', async () => {
    const login = await dcm(['login', registry.host, '-u', USER, '--password-stdin'], PASSWORD);
    expect(login).toExit(0);
    expect((JSON.parse((await dcm(['ls', '--json'])).stdout) as Array<{ registry: string }>).map((row) => row.registry)).toContain(registry.host);
    expect(await dcm(['check', registry.host, '--json'])).toExit(0);
    expect(await dcm(['logout', registry.host])).toExit(0);
  });

  it('ratelimit against the Docker Hub stand-in', async () => {
    const result = await dcm(['ratelimit', '--registry', hub.host, '--anonymous', '--json']);
    expect(result).toExit(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ limit: 100 });
  });

  it('setup, doctor, migrate, import, setup --undo', async () => {
    expect(await dcm(['setup'])).toExit(0);
    expect(JSON.parse(readFileSync(join(env.DOCKER_CONFIG!, 'config.json'), 'utf8')).credsStore).toBe('dcm');
    const doctor = JSON.parse((await dcm(['doctor', '--json'])).stdout) as { checks: Array<{ id: string; status: string }> };
    expect(doctor.checks.find((check) => check.id === 'keychain')?.status).toBe('ok');
    expect(await dcm(['migrate', '--dry-run', '--json'])).toExit(0);
    // Docker's Go Secret Service helper holds one login; import copies it.
    expect(await run('docker-credential-secretservice', ['store'], { stdin: storeJson('import.smoke.example', 'i', 'import-Secret'), env })).toExit(0);
    const imported = await dcm(['import', '--from', 'secretservice', '--json']);
    expect(imported).toExit(0);
    await run('docker-credential-secretservice', ['erase'], { stdin: 'import.smoke.example', env });
    expect(JSON.parse((await helper('get', 'import.smoke.example')).stdout).Secret).toBe('import-Secret');
    expect(await dcm(['logout', '--all', '--yes'])).toExit(0);
    expect(await dcm(['setup', '--undo'])).toExit(0);
  });

  it('docker login through credsStore dcm', async () => {
    expect(await dcm(['setup'])).toExit(0);
    const login = await run('docker', ['login', registry.host, '-u', USER, '--password-stdin'], { stdin: PASSWORD, env });
    expect(login).toExit(0);
    expect(JSON.parse((await helper('get', registry.host)).stdout).Username).toBe(USER);
    expect(await run('docker', ['logout', registry.host], { env })).toExit(0);
  });

  it('mirror ls, add, check, rm', async () => {
    const daemonJson = join(tempDir('smoke-daemon'), 'daemon.json');
    expect(await dcm(['mirror', 'add', `http://${registry.host}`, '--daemon-config', daemonJson, '--no-check'])).toExit(0);
    expect(JSON.parse((await dcm(['mirror', 'ls', '--json', '--daemon-config', daemonJson])).stdout)).toEqual([
      expect.objectContaining({ url: `http://${registry.host}/`, source: 'daemon.json' }),
    ]);
    // The registry asks for credentials no client of this machine would send: a check that answers.
    const check = await dcm(['mirror', 'check', '--json', '--daemon-config', daemonJson, '--timeout', '5']);
    expect((JSON.parse(check.stdout) as { results: Array<{ status: string }> }).results[0]!.status).toBe('credentials');
    expect(await dcm(['mirror', 'rm', `http://${registry.host}`, '--daemon-config', daemonJson])).toExit(0);
  });

  it('completion, __complete, version, help', async () => {
    expect((await dcm(['completion', 'bash'])).stdout).toContain('_dcm_complete');
    expect((await dcm(['__complete', '--', 'log'])).stdout).toBe('login\nlogout\n');
    expect((await dcm(['--version'])).stdout).toMatch(/^dcm \S+/);
    // `dcm version --json` is the CLI's, not the helper's usage (issue 22, item 15).
    const version = await dcm(['version', '--json']);
    expect(version).toExit(0);
    expect(JSON.parse(version.stdout)).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      node: expect.any(String),
      platform: process.platform,
      arch: process.arch,
    });
    const help = (await dcm(['--help'])).stdout;
    expect(help).toContain('Credential-helper protocol');
    // Every DCM_* variable the sources read is in the help's Environment section.
    expect(help).toMatch(/^Environment:$/m);
    for (const name of ['DCM_STORE', 'DCM_CACHE_TTL', 'DCM_KEYCHAIN_TIMEOUT_MS', 'DOCKER_CONFIG', 'NO_PROXY']) expect(help).toContain(name);
    expect((await dcm(['setup', '--help'])).stdout).toMatch(/cache \(memory only[\s\S]*DCM_CACHE_TTL/);
  });
});
