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
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
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
  writeFileSync(path, `#!/bin/sh\nDCM_STORE=cache exec ${quote(process.execPath)} ${quote(SELF)} ${HELPER_VERB} "$@"\n`);
  chmodSync(path, 0o755);
  appendTo('GITHUB_PATH', dir);
  return dir;
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
  const env = { ...process.env, DCM_STORE: 'cache' };
  const code = await runCli(['logout', server], cliIo(env));
  const undone = await runCli(['setup', '--undo', '--registry', server], cliIo(env));
  return code || undone;
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
  if (input('login') === 'true') {
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
