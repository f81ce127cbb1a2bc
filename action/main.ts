/**
 * The GitHub Action's entry point (action.yml): the runner's inputs (`INPUT_*`) become one
 * `dcm ratelimit --format github`, which writes the step outputs to $GITHUB_OUTPUT, a table to
 * $GITHUB_STEP_SUMMARY and a warning annotation when few pulls are left. The token goes to dcm
 * through an in-memory stdin, never on a command line; without one, the login Docker already
 * has on the runner (docker/login-action writes config.json) is used, as `dcm ratelimit` does.
 * Bundled into action/dist/index.mjs by scripts/build.ts; like src/main.ts, the only module of
 * the action that touches `process`.
 */
import { Readable } from 'node:stream';
import { runCli } from '../src/cli/program.ts';

/** An input as the runner passes it: `INPUT_<NAME>`, upper case, spaces as underscores. */
function input(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

async function main(): Promise<number> {
  const registry = input('registry');
  const username = input('username');
  const token = process.env.INPUT_TOKEN ?? '';
  const failUnder = input('fail-under');
  const repository = input('repository');
  if (token.trim() !== '' && username === '') {
    process.stderr.write('::error title=dcm ratelimit::the token input needs the username input too\n');
    return 2;
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
