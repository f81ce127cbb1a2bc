/**
 * The GitHub Action's entry point (action.yml): the runner's inputs (`INPUT_*`) become one
 * `dcm ratelimit --format github`, which writes the step outputs to $GITHUB_OUTPUT, a table to
 * $GITHUB_STEP_SUMMARY and a warning annotation when few pulls are left. The token goes to dcm
 * through an in-memory stdin, never on a command line; without one, the login Docker already
 * has on the runner (docker/login-action writes config.json) is used, as `dcm ratelimit` does.
 *
 * With `login: true` the action first logs the job in, as docker/login-action does, but without
 * writing the token into config.json: `dcm login` verifies it and keeps it in dcm's cache store
 * (memory only, scoped to this job: store/cache.ts), `dcm setup --registry` sends that registry
 * to dcm through credHelpers, and a `docker-credential-dcm` for Docker to run (this same file)
 * is put on the job's PATH. The post step logs out and takes credHelpers back.
 *
 * This file is also what that helper and the cache agent run: `__helper VERB` and
 * `__dcm-cache-agent SOCKET`. Bundled into action/dist/index.mjs by scripts/build.ts; like
 * src/main.ts, the only module of the action that touches `process`.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/program.ts';
import { runHelper } from '../src/helper/run.ts';
import { openCredentialStore, type StoreHooks } from '../src/store/select.ts';

const CACHE_AGENT_VERB = '__dcm-cache-agent';
const HELPER_VERB = '__helper';
const SELF = fileURLToPath(import.meta.url);

/** An input as the runner passes it: `INPUT_<NAME>`, upper case, spaces as underscores. */
function input(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** The job's logins live in the cache store, started by running this file as the agent. */
const hooks: StoreHooks = {
  startCacheAgent: (socket) => spawn(process.execPath, [SELF, CACHE_AGENT_VERB, socket], { detached: true, stdio: 'ignore', env: process.env }).unref(),
};

function cliIo(env: NodeJS.ProcessEnv, stdin: string[] = []) {
  return { stdin: Readable.from(stdin.map((s) => Buffer.from(s))), stdout: process.stdout, stderr: process.stderr, env, isTTY: false, storeHooks: hooks };
}

/** Appends `name=value` to one of the runner's files ($GITHUB_STATE, $GITHUB_PATH). */
function appendTo(variable: string, line: string): void {
  const file = process.env[variable];
  if (file) appendFileSync(file, `${line}\n`);
}

/**
 * A `docker-credential-dcm` Docker can run for the rest of the job: a shell script in
 * RUNNER_TEMP that runs this file as the helper, on the cache store.
 */
function installHelper(): string {
  const dir = join(process.env.RUNNER_TEMP ?? process.cwd(), 'dcm-bin');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'docker-credential-dcm');
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  // The job's own dcm settings (a provider binding lives there), beside its cache store.
  writeFileSync(
    path,
    `#!/bin/sh\nDCM_STORE=cache XDG_CONFIG_HOME=${quote(jobConfigHome())} exec ${quote(process.execPath)} ${quote(SELF)} ${HELPER_VERB} "$@"\n`,
  );
  chmodSync(path, 0o755);
  appendTo('GITHUB_PATH', dir);
  return dir;
}

/** dcm's settings for this job: in RUNNER_TEMP, gone with the job. */
function jobConfigHome(): string {
  return join(process.env.RUNNER_TEMP ?? process.cwd(), 'dcm-config');
}

/** The inputs of a provider login, as `dcm login --provider` options. */
function providerArgs(provider: string): string[] {
  const args = ['--provider', provider];
  const oidc = input('oidc') || (['aws', 'gcp', 'azure'].includes(provider) ? 'github' : '');
  if (oidc) args.push('--oidc', oidc);
  for (const name of ['role', 'audience', 'service-account', 'tenant', 'client-id', 'username']) if (input(name)) args.push(`--${name}`, input(name));
  return args;
}

/**
 * `provider:` a login minted from the job's own identity (its OIDC token for aws, gcp and
 * azure; GITHUB_TOKEN for github), kept in the job's cache store and served to Docker by the
 * helper on the job's PATH. Every minted secret is masked in the log; with `docker-config: job`,
 * the job gets a DOCKER_CONFIG of its own. The post step logs out.
 */
async function providerLogin(registry: string, provider: string): Promise<number> {
  const dir = installHelper();
  const env: NodeJS.ProcessEnv = { ...process.env, DCM_STORE: 'cache', XDG_CONFIG_HOME: jobConfigHome(), PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` };
  if (input('docker-config') === 'job') {
    const dockerConfig = join(process.env.RUNNER_TEMP ?? process.cwd(), 'dcm-docker-config');
    mkdirSync(dockerConfig, { recursive: true, mode: 0o700 });
    writeFileSync(join(dockerConfig, 'config.json'), '{}\n', { mode: 0o600 });
    env.DOCKER_CONFIG = dockerConfig;
    appendTo('GITHUB_ENV', `DOCKER_CONFIG=${dockerConfig}`);
    appendTo('GITHUB_STATE', `dcm-docker-config=${dockerConfig}`);
  }
  const setup = await runCli(['setup', '--registry', registry], cliIo(env));
  if (setup !== 0) return setup;
  const code = await runCli(['login', registry, ...providerArgs(provider)], cliIo(env));
  if (code !== 0) {
    await runCli(['setup', '--undo', '--registry', registry], cliIo(env));
    return code;
  }
  appendTo('GITHUB_STATE', `dcm-login=${registry}`);
  // The minted token, as Docker will get it, is masked before anything could print it.
  let reply = '';
  await runHelper(['get'], {
    name: 'docker-credential-dcm',
    io: { stdin: Readable.from([Buffer.from(registry)]), stdout: { write: (text: string) => (reply += text) } },
    openStore: () => openCredentialStore(env, hooks),
    env,
  });
  const secret = (JSON.parse(reply || '{}') as { Secret?: string }).Secret;
  if (secret) process.stdout.write(`::add-mask::${secret}\n`);
  return 0;
}

async function login(registry: string, username: string, token: string): Promise<number> {
  if (!username || token.trim() === '') {
    process.stderr.write('::error title=dcm login::login: true needs the username and token inputs\n');
    return 2;
  }
  const dir = installHelper();
  const env = { ...process.env, DCM_STORE: 'cache', PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` };
  const server = registry || 'docker.io';
  // credHelpers first, so that the login leaves config.json as docker login would (an empty auths entry).
  const setup = await runCli(['setup', '--registry', server], cliIo(env));
  if (setup !== 0) return setup;
  const code = await runCli(['login', server, '-u', username, '--password-stdin'], cliIo(env, [token]));
  if (code !== 0) {
    await runCli(['setup', '--undo', '--registry', server], cliIo(env));
    return code;
  }
  appendTo('GITHUB_STATE', `dcm-login=${server}`);
  return 0;
}

/** The post step: out of what `login: true` logged in to, and config.json as it was. */
async function post(): Promise<number> {
  const server = process.env['STATE_dcm-login'];
  if (!server) return 0;
  const env: NodeJS.ProcessEnv = { ...process.env, DCM_STORE: 'cache', XDG_CONFIG_HOME: jobConfigHome() };
  const dockerConfig = process.env['STATE_dcm-docker-config'];
  if (dockerConfig) env.DOCKER_CONFIG = dockerConfig;
  const code = await runCli(['logout', server], cliIo(env));
  const undone = await runCli(['setup', '--undo', '--registry', server], cliIo(env));
  if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
  return code || undone;
}

/** `login: true`: the job logged in, then (for Docker Hub) the pull limit checked signed in. */
async function loginThenCheck(registry: string, username: string, token: string, repository: string, failUnder: string): Promise<number> {
  const code = await login(registry, username, token);
  if (code !== 0) return code;
  // Logged in: the check below uses that login, as Docker will.
  if (registry && registry !== 'docker.io') return 0;
  const checked = ['ratelimit', '--format', 'github'];
  if (repository) checked.push('--repository', repository);
  if (failUnder) checked.push('--fail-under', failUnder);
  const env = {
    ...process.env,
    DCM_STORE: 'cache',
    PATH: `${join(process.env.RUNNER_TEMP ?? process.cwd(), 'dcm-bin')}${delimiter}${process.env.PATH ?? ''}`,
  };
  return runCli(checked, cliIo(env));
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === CACHE_AGENT_VERB && argv[1]) {
    const { runCacheAgent } = await import('../src/store/cache-agent.ts');
    await runCacheAgent(argv[1]);
    return 0;
  }
  if (argv[0] === HELPER_VERB) {
    return runHelper(argv.slice(1), {
      name: 'docker-credential-dcm',
      io: { stdin: process.stdin, stdout: process.stdout },
      openStore: () => openCredentialStore(process.env, hooks),
      env: process.env,
      warn: (line) => process.stderr.write(`dcm: warning: ${line}\n`),
    });
  }
  if (process.env.STATE_isPost === 'true') return post();
  appendTo('GITHUB_STATE', 'isPost=true');

  const registry = input('registry');
  const username = input('username');
  const token = process.env.INPUT_TOKEN ?? '';
  const failUnder = input('fail-under');
  const repository = input('repository');
  if (token.trim() !== '' && username === '') {
    process.stderr.write('::error title=dcm ratelimit::the token input needs the username input too\n');
    return 2;
  }
  if (input('provider')) {
    if (!registry) {
      process.stderr.write('::error title=dcm login::provider needs the registry input\n');
      return 2;
    }
    return providerLogin(registry, input('provider'));
  }
  if (input('login') === 'true') return loginThenCheck(registry, username, token, repository, failUnder);
  const args = ['ratelimit', '--format', 'github'];
  if (registry) args.push('--registry', registry);
  if (repository) args.push('--repository', repository);
  if (failUnder) args.push('--fail-under', failUnder);
  if (username) args.push('-u', username, '--password-stdin');
  return runCli(args, {
    stdin: Readable.from(username ? [Buffer.from(token)] : []),
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY: false,
  });
}

process.exitCode = await main();
