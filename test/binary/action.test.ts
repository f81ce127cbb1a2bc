/**
 * The GitHub Action, run exactly as the runner runs it: `node` on the committed
 * action/dist/index.mjs, copied (with action.yml) into a directory of its own as the runner's
 * `_actions` checkout is, with the documented environment (`INPUT_*`, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, RUNNER_TEMP) and no D-Bus session, against the Docker Hub stand-in:
 * signed in and anonymous, under and over the threshold, a bad token, and the login Docker
 * already has. Outputs are parsed by their documented syntax; the token appears in none of them.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireTestSession, tempDir } from '../helpers/env.ts';
import { startHubStandIn, type HubStandIn } from '../helpers/hub-standin.ts';
import { startRegistry } from '../helpers/registry.ts';
import { HOSTS, startStandIns, type StandIns } from '../helpers/registry-standins.ts';
import { startCiIssuer, type CiIssuer } from '../helpers/ci-oidc.ts';
import { parseGithubOutput } from '../helpers/github-output.ts';
import { run } from '../helpers/spawn.ts';

const TOKEN = 'dckr_pat_action-Secret-7Hq2';
let hub: HubStandIn;
let actionDir: string;

beforeAll(async () => {
  requireTestSession();
  hub = await startHubStandIn({ hubuser: TOKEN });
  // Where the runner unpacks an action: no node_modules anywhere above it.
  actionDir = join(tempDir('_actions'), 'dcm-project', 'dcm', 'v1');
  mkdirSync(join(actionDir, 'action', 'dist'), { recursive: true });
  copyFileSync(join(ROOT, 'action.yml'), join(actionDir, 'action.yml'));
  copyFileSync(join(ROOT, 'action', 'dist', 'index.mjs'), join(actionDir, 'action', 'dist', 'index.mjs'));
});
afterAll(async () => {
  await hub?.stop();
});

async function runAction(inputs: Record<string, string>, dockerConfig?: object, runner: { work?: string; extra?: NodeJS.ProcessEnv } = {}) {
  const work = runner.work ?? tempDir('runner');
  const files = { output: join(work, 'output'), summary: join(work, 'summary') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const docker = join(work, 'docker');
  mkdirSync(docker, { recursive: true });
  if (dockerConfig) writeFileSync(join(docker, 'config.json'), JSON.stringify(dockerConfig));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(work, 'home'),
    DOCKER_CONFIG: docker,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: work,
    GITHUB_STATE: join(work, 'state'),
    GITHUB_PATH: join(work, 'path'),
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'test',
    // The runner passes every declared input, empty when not given.
    ...Object.fromEntries(
      [
        'registry',
        'username',
        'token',
        'fail-under',
        'repository',
        'login',
        'provider',
        'oidc',
        'role',
        'audience',
        'service-account',
        'tenant',
        'client-id',
        'docker-config',
      ].map((name) => [`INPUT_${name.toUpperCase()}`, inputs[name] ?? '']),
    ),
    ...runner.extra,
  };
  const result = await run(process.execPath, [join(actionDir, 'action', 'dist', 'index.mjs')], { env, cwd: work });
  const output = readFileSync(files.output, 'utf8');
  const summary = readFileSync(files.summary, 'utf8');
  for (const text of [result.stdout, result.stderr, output, summary]) expect(text).not.toContain(TOKEN);
  return { ...result, outputs: parseGithubOutput(output), summary };
}

describe('the GitHub Action', () => {
  it('the committed bundle is the one the build makes (run: cp dist/action/index.mjs action/dist/index.mjs)', () => {
    expect(readFileSync(join(ROOT, 'action', 'dist', 'index.mjs'), 'utf8') === readFileSync(join(ROOT, 'dist', 'action', 'index.mjs'), 'utf8')).toBe(true);
  });

  it('signed in with the username and token inputs: the account’s limit in the outputs and the summary', async () => {
    const result = await runAction({ registry: hub.host, username: 'hubuser', token: TOKEN });
    expect(result).toExit(0);
    expect(result.outputs).toEqual({
      limit: '200',
      remaining: '190',
      'window-seconds': '21600',
      source: hub.accountIds.hubuser,
      authenticated: 'true',
      unlimited: 'false',
    });
    expect(result.summary).toContain('### Docker Hub pull limit');
    expect(result.summary).toMatch(/^\| Remaining \| 190 \|$/m);
    expect(result.summary).toMatch(/^\| Signed in \| yes \(hubuser\) \|$/m);
    expect(result.stdout).not.toContain('::warning');
  });

  it('anonymous: the runner’s address', async () => {
    const result = await runAction({ registry: hub.host });
    expect(result).toExit(0);
    expect(result.outputs).toMatchObject({ limit: '100', remaining: '76', source: '127.0.0.1', authenticated: 'false' });
    expect(result.summary).toMatch(/^\| Signed in \| no \(anonymous\) \|$/m);
  });

  it('the login Docker already has on the runner (config.json, as docker/login-action writes it)', async () => {
    const auth = Buffer.from(`hubuser:${TOKEN}`).toString('base64');
    const result = await runAction({ registry: hub.host }, { auths: { [hub.host]: { auth } } });
    expect(result).toExit(0);
    expect(result.outputs).toMatchObject({ authenticated: 'true', remaining: '190' });
  });

  it('under fail-under: the warning annotation, and the step fails (exit 6)', async () => {
    const result = await runAction({ registry: hub.host, 'fail-under': '500' });
    expect(result).toExit(6);
    expect(result.stdout).toMatch(/^::warning title=Docker Hub pull limit::only 76 of 100 pulls left on 127\.0\.0\.1:\d+ for 127\.0\.0\.1$/m);
    expect(result.outputs).toMatchObject({ remaining: '76' });
    expect(result.summary).toMatch(/^\| Remaining \| 76 ⚠️ low \|$/m);
  });

  it('over fail-under: passes', async () => {
    const result = await runAction({ registry: hub.host, 'fail-under': '10' });
    expect(result).toExit(0);
    expect(result.stdout).not.toContain('::warning');
  });

  it('a bad token: exit 3, an ::error:: annotation, and the outputs written empty with authenticated=false (issue 22, item 8)', async () => {
    const result = await runAction({ registry: hub.host, username: 'hubuser', token: 'dckr_pat_not-the-token' });
    expect(result).toExit(3);
    expect(result.stderr).toMatch(/incorrect username or password/);
    expect(result.stdout).toMatch(/^::error title=dcm ratelimit::.*incorrect username or password/m);
    expect(result.outputs).toEqual({ limit: '', remaining: '', 'window-seconds': '', source: '', authenticated: 'false', unlimited: 'false' });
    expect(JSON.stringify(result)).not.toContain('dckr_pat_not-the-token');
  });

  it('a token without a username: an error annotation, exit 2', async () => {
    const result = await runAction({ registry: hub.host, token: TOKEN });
    expect(result).toExit(2);
    expect(result.stderr).toBe('::error title=dcm ratelimit::the token input needs the username input too\n');
  });

  it('login: true logs the job in without the token in config.json, Docker finds it through the helper on the job PATH, and the post step logs out (issue 22, item 10)', async () => {
    const registry = await startRegistry({ ci: 'ci-Login-Pa55' });
    try {
      const work = tempDir('runner-login');
      const result = await runAction({ registry: registry.host, username: 'ci', token: 'ci-Login-Pa55', login: 'true' }, { auths: {} }, { work });
      expect(result).toExit(0);
      expect(result.stdout).toContain('Login Succeeded');
      const config = readFileSync(join(work, 'docker', 'config.json'), 'utf8');
      expect(JSON.parse(config)).toMatchObject({ credHelpers: { [registry.host]: 'dcm' }, auths: { [registry.host]: {} } });
      expect(config).not.toContain('ci-Login-Pa55');
      expect(config).not.toContain(Buffer.from('ci:ci-Login-Pa55').toString('base64'));
      // Later steps get the helper dir on PATH; Docker runs it by name, in the same job.
      const helperDir = readFileSync(join(work, 'path'), 'utf8').trim();
      const jobEnv = {
        ...process.env,
        HOME: join(work, 'home'),
        DOCKER_CONFIG: join(work, 'docker'),
        PATH: `${helperDir}:${process.env.PATH}`,
        GITHUB_ACTIONS: 'true',
        GITHUB_RUN_ID: '4242',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_JOB: 'test',
        RUNNER_TEMP: work,
        XDG_RUNTIME_DIR: undefined,
      };
      const got = await run('docker-credential-dcm', ['get'], { stdin: registry.host, env: jobEnv });
      expect(got).toExit(0);
      expect(JSON.parse(got.stdout)).toMatchObject({ Username: 'ci', Secret: 'ci-Login-Pa55' });
      const manifest = await run('docker', ['manifest', 'inspect', '--insecure', `${registry.host}/none/such:tag`], { env: jobEnv });
      expect(manifest.stderr).not.toMatch(/unauthorized|authentication required/i);
      // Another job on the same runner account sees nothing.
      expect((await run('docker-credential-dcm', ['get'], { stdin: registry.host, env: { ...jobEnv, GITHUB_RUN_ID: '4243' } })).stdout).toBe(
        'credentials not found in native keychain\n',
      );

      const state = readFileSync(join(work, 'state'), 'utf8');
      expect(state).toContain(`dcm-login=${registry.host}`);
      const post = await runAction({}, undefined, { work, extra: { STATE_isPost: 'true', 'STATE_dcm-login': registry.host } });
      expect(post).toExit(0);
      expect((await run('docker-credential-dcm', ['get'], { stdin: registry.host, env: jobEnv })).stdout).toBe('credentials not found in native keychain\n');
      expect(JSON.parse(readFileSync(join(work, 'docker', 'config.json'), 'utf8')).credHelpers ?? {}).not.toHaveProperty(registry.host);
    } finally {
      await registry.stop();
    }
  });

  it('login: true without a token: an error annotation, exit 2, nothing changed', async () => {
    const result = await runAction({ username: 'ci', login: 'true' });
    expect(result).toExit(2);
    expect(result.stderr).toBe('::error title=dcm login::login: true needs the username and token inputs\n');
  });
});

describe('the GitHub Action, provider: a job logged in from its own OIDC identity (issue 25)', () => {
  let standIns: StandIns;
  let issuer: CiIssuer;
  beforeAll(async () => {
    standIns = await startStandIns();
    issuer = await startCiIssuer();
    standIns.aws.trustedIssuer = issuer.verify;
    return async () => {
      await issuer.stop();
      await standIns.stop();
    };
  });

  it('provider: aws with role: the token minted from the job’s OIDC token, masked, served by the helper on the job PATH, in a DOCKER_CONFIG of the job’s own; the post step logs out and removes it', async () => {
    const work = tempDir('runner-oidc');
    writeFileSync(join(work, 'env'), '');
    const cloud = {
      ...standIns.env({}),
      ...issuer.env,
      AWS_CA_BUNDLE: join(standIns.caDir, 'ca.crt'),
      SSL_CERT_FILE: join(standIns.caDir, 'ca.crt'),
      AWS_EC2_METADATA_DISABLED: 'true',
      GITHUB_ENV: join(work, 'env'),
    };
    const before = standIns.aws.minted.length;
    const result = await runAction({ registry: HOSTS.ecr, provider: 'aws', role: standIns.aws.webIdentity.roleArn, 'docker-config': 'job' }, undefined, {
      work,
      extra: { ...cloud, INPUT_TOKEN: '' },
    });
    expect(result).toExit(0);
    expect(result.stdout).toContain('Login Succeeded: aws tokens for');
    expect(standIns.aws.minted.length).toBe(before + 1);
    // The minted password is masked before anything could print it.
    const mask = /^::add-mask::(.+)$/m.exec(result.stdout)?.[1];
    expect(mask && standIns.secrets.ecrTokens.has(mask)).toBe(true);
    const dockerConfig = /^DOCKER_CONFIG=(.+)$/m.exec(readFileSync(join(work, 'env'), 'utf8'))?.[1];
    expect(dockerConfig).toBe(join(work, 'dcm-docker-config'));
    expect(JSON.parse(readFileSync(join(dockerConfig!, 'config.json'), 'utf8'))).toMatchObject({ credHelpers: { [HOSTS.ecr]: 'dcm' } });

    const helperDir = readFileSync(join(work, 'path'), 'utf8').trim();
    const jobEnv = {
      ...process.env,
      ...cloud,
      HOME: join(work, 'home'),
      DOCKER_CONFIG: dockerConfig,
      PATH: `${helperDir}:${process.env.PATH}`,
      RUNNER_TEMP: work,
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'test',
      GITHUB_ACTIONS: 'true',
      XDG_RUNTIME_DIR: undefined,
    };
    const got = await run('docker-credential-dcm', ['get'], { stdin: HOSTS.ecr, env: jobEnv });
    expect(got).toExit(0);
    expect(JSON.parse(got.stdout).Secret).toBe(mask);

    const post = await runAction({}, undefined, {
      work,
      extra: { ...cloud, STATE_isPost: 'true', 'STATE_dcm-login': HOSTS.ecr, 'STATE_dcm-docker-config': dockerConfig! },
    });
    expect(post).toExit(0);
    expect(post.stdout).toContain(`Removing the aws binding for ${HOSTS.ecr} and its cached tokens`);
    expect(existsSync(dockerConfig!)).toBe(false);
  });
});
