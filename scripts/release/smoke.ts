/**
 * One user's journey through the real OS keychain with a built dcm, in one command, so that the
 * macOS and Windows jobs run exactly what the Linux suite runs (test/cross/smoke.test.ts):
 *
 *   node scripts/release/smoke.ts DIR [--logout-all]
 *
 * DIR holds dcm and docker-credential-dcm (.exe on Windows). `--logout-all` ends with
 * `dcm logout --all`, which removes every login in the keychain: for CI's throwaway machines,
 * never a keychain of your own; without it each of the run's own logins is logged out.
 *
 * A short and a 6,000-character token (Windows: chunked across Credential Manager items) are
 * stored, read back, listed by the helper and by `dcm ls`, checked by `dcm doctor`, and removed
 * again, after which none is left. Registry names carry this run's id, so
 * runs on one machine do not meet. Exits 1 with the failing step, its exit code and its stderr.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const [dir, flag] = process.argv.slice(2);
if (!dir || (flag !== undefined && flag !== '--logout-all')) {
  console.error('usage: node scripts/release/smoke.ts DIR [--logout-all]');
  process.exit(2);
}
const suffix = process.platform === 'win32' ? '.exe' : '';
const helper = join(dir, `docker-credential-dcm${suffix}`);
const dcm = join(dir, `dcm${suffix}`);
const id = `${process.env.GITHUB_RUN_ID ?? process.pid}-${Date.now().toString(36)}`;
const token = `eyJ${'A'.repeat(5_997)}`;
const logins: Record<string, string> = { [`short-${id}.smoke.test`]: 's3cret', [`long-${id}.smoke.test`]: token };

function step(name: string, program: string, args: string[], stdin = '', expectCode: number | 'any' = 0): string {
  const result = spawnSync(program, args, { input: stdin, encoding: 'utf8', timeout: 60_000 });
  if (result.error || (expectCode !== 'any' && result.status !== expectCode)) {
    console.error(`smoke: ${name}: ${program} ${args.join(' ')} exited ${result.status ?? result.signal ?? result.error?.message}, not ${expectCode}`);
    console.error(`stderr: ${result.stderr.trim() || '(empty)'}\nstdout: ${result.stdout.trim().slice(0, 500) || '(empty)'}`);
    process.exit(1);
  }
  console.log(`ok  ${name}`);
  return result.stdout;
}

function check(name: string, ok: boolean, detail: string): void {
  if (!ok) {
    console.error(`smoke: ${name}: ${detail}`);
    process.exit(1);
  }
  console.log(`ok  ${name}`);
}

step('version', helper, ['version']);
for (const [server, secret] of Object.entries(logins))
  step(`store ${server}`, helper, ['store'], JSON.stringify({ ServerURL: server, Username: 'smoke', Secret: secret }));
for (const [server, secret] of Object.entries(logins)) {
  const got = JSON.parse(step(`get ${server}`, helper, ['get'], server)) as { Secret?: string };
  check(`the secret of ${server} comes back whole`, got.Secret === secret, `got ${got.Secret?.length ?? 0} characters, stored ${secret.length}`);
}
const listed = JSON.parse(step('list', helper, ['list'])) as Record<string, string>;
for (const server of Object.keys(logins)) check(`list names ${server}`, listed[server] === 'smoke', JSON.stringify(listed));
const ls = step('dcm ls --json', dcm, ['ls', '--json']);
check('dcm ls shows no secret', !ls.includes(token) && !ls.includes('s3cret'), 'a secret is in the output');
// doctor also judges Docker's config and PATH, which a CI machine need not have: only the keychain checks count here.
const doctor = JSON.parse(step('dcm doctor --json', dcm, ['doctor', '--json'], '', 'any')) as { checks?: { id: string; status: string; detail: string }[] };
for (const id of ['keychain', 'keychain-items']) {
  const found = doctor.checks?.find((c) => c.id === id);
  check(`doctor: ${id}`, found?.status === 'ok', JSON.stringify(found));
}
if (flag === '--logout-all') step('dcm logout --all', dcm, ['logout', '--all', '--yes']);
else for (const server of Object.keys(logins)) step(`dcm logout ${server}`, dcm, ['logout', server]);
const after = JSON.parse(step('list after logout', helper, ['list'])) as Record<string, string>;
const left = Object.keys(after).filter((server) => flag === '--logout-all' || server in logins);
check('none is left', left.length === 0, JSON.stringify(after));
for (const server of Object.keys(logins)) step(`get ${server} after logout`, helper, ['get'], server, 1);
console.log('smoke: all steps passed');
