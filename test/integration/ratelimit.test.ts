/**
 * `dcm ratelimit` against a local stand-in for Docker Hub: anonymous and signed-in counts,
 * unmetered, x-prefixed policy headers, 429s, a token service that is down, a wrong password;
 * every output format read back by a real parser; and never a manifest GET.
 * Covers: src/registry/ratelimit-check.ts, src/registry/manifest.ts, src/cli/commands/ratelimit/run.ts.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import parsePrometheus from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { startHubStandIn, type HubStandIn } from '../helpers/hub-standin.ts';
import { parseGithubOutput } from '../helpers/github-output.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
/** A username that would add workflow commands if written as it is (issue 19, item 6). */
const HOSTILE_USER = 'ci-bot\n::add-mask::hidden\n::set-output name=pwned::1\r\n::error::forged';

/** GITHUB_OUTPUT's documented syntax: `name=value` lines, or `name<<DELIMITER` blocks. */
describe('dcm ratelimit', () => {
  let hub: HubStandIn;
  const ratelimit = (args: string[], env: NodeJS.ProcessEnv = process.env) => run(bin.dcm, ['ratelimit', '--registry', hub.host, ...args], { env });
  const json = async (args: string[] = []) => {
    const result = await ratelimit(['--json', ...args]);
    expect(result.stderr).toBe('');
    return { code: result.code, value: JSON.parse(result.stdout) };
  };

  beforeAll(async () => {
    requireTestSession();
    hub = await startHubStandIn({ hubuser: 'hub-Passw0rd', [HOSTILE_USER]: 'hostile-Pw' });
  });
  afterAll(async () => {
    await run(bin.helper, ['erase'], { stdin: hub.host });
    // Whatever happened above, checking never spent a pull.
    expect(hub.counts.manifestGet).toBe(0);
    await hub?.stop();
  });

  it('anonymous: one token request and one HEAD; the IP address is the source', async () => {
    const before = { ...hub.counts };
    hub.mode = 'metered';
    const { code, value } = await json();
    expect(code).toBe(0);
    expect(value).toEqual({
      registry: hub.host,
      repository: 'ratelimitpreview/test',
      authenticated: false,
      account: null,
      limit: 100,
      remaining: 76,
      windowSeconds: 21600,
      source: '127.0.0.1',
      unlimited: false,
    });
    expect(Object.keys(value)).toEqual(['registry', 'repository', 'authenticated', 'account', 'limit', 'remaining', 'windowSeconds', 'source', 'unlimited']);
    expect(hub.counts.token - before.token).toBe(1);
    expect(hub.counts.manifestHead - before.manifestHead).toBe(1);
    expect(hub.counts.manifestGet).toBe(0);
    expect(hub.requests.at(-1)).toMatchObject({ method: 'HEAD', url: '/v2/ratelimitpreview/test/manifests/latest' });
  });

  it('signed in with the stored login: the account id is the source; --anonymous ignores it', async () => {
    const stored = await run(bin.helper, ['store'], { stdin: JSON.stringify({ ServerURL: hub.host, Username: 'hubuser', Secret: 'hub-Passw0rd' }) });
    expect(stored).toExit(0);
    const { value } = await json();
    expect(value).toMatchObject({ authenticated: true, account: 'hubuser', limit: 200, remaining: 190, source: hub.accountIds.hubuser });
    const anonymous = await json(['--anonymous']);
    expect(anonymous.value).toMatchObject({ authenticated: false, account: null, limit: 100, source: '127.0.0.1' });

    const text = await ratelimit([]);
    expect(text.stdout).toContain(`counted for: the account ${hub.accountIds.hubuser} (signed in as hubuser)`);
    expect(text.stdout).toContain('limit:       200 pulls per 6 hours');
    expect(text.stdout).not.toContain('hub-Passw0rd');
  });

  it('a wrong stored password is a credentials failure (exit 3), not a limit', async () => {
    hub.users.hubuser = 'changed';
    const result = await ratelimit([]);
    expect(result).toExit(3);
    expect(result.stderr).toMatch(/incorrect username or password/);
    hub.users.hubuser = 'hub-Passw0rd';
  });

  it('no limit headers: reported as unlimited, not as an error', async () => {
    hub.mode = 'unmetered';
    const { code, value } = await json(['--fail-under', '50']);
    expect(code).toBe(0);
    expect(value).toMatchObject({ unlimited: true, limit: null, remaining: null, windowSeconds: null });
    expect((await ratelimit(['--anonymous'])).stdout).toContain('none reported: these pulls are not metered');
  });

  it('x-prefixed headers in the policy form', async () => {
    hub.mode = 'x-prefixed-policy';
    const { value } = await json(['--anonymous']);
    expect(value).toMatchObject({ limit: 100, remaining: 3, windowSeconds: 3600, unlimited: false });
    const text = await ratelimit(['--anonymous']);
    expect(text.stdout).toContain('per 1 hour');
    expect(text.stdout).toContain('warning: only 3 pulls left in this window');
  });

  it('429 with limit headers: exhausted, remaining 0, the registry says so', async () => {
    hub.mode = 'exhausted';
    const asJson = await ratelimit(['--json', '--anonymous']);
    expect(asJson).toExit(6);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ remaining: 0, limit: 100, unlimited: false });
    // Exit 6 even without --fail-under, the error on stderr, the report still on stdout (issue 22, item 7).
    const text = await ratelimit(['--anonymous']);
    expect(text).toExit(6);
    expect(text.stderr).toMatch(/^dcm: pull limit exhausted on \S+: toomanyrequests/m);
    expect(text.stdout).toContain('remaining:   0');
    expect(text.stdout).not.toMatch(/error/);
  });

  it('a bare 429 is the abuse limiter, and is called that', async () => {
    hub.mode = 'abuse-429';
    const text = await ratelimit(['--anonymous']);
    expect(text).toExit(6);
    expect(text.stderr).toMatch(/abuse rate limiter, not the pull limit/);
  });

  it('a token service that is down is a failure to check (exit 7), distinct from --fail-under (6)', async () => {
    hub.mode = 'realm-down';
    const result = await ratelimit(['--anonymous', '--fail-under', '1000']);
    expect(result).toExit(7);
    expect(result.stderr).toMatch(/HTTP 503/);
    expect(result.stdout).toBe('');
  });

  it('--fail-under: exit 6 below the threshold, output printed all the same; 0 above it', async () => {
    hub.mode = 'metered';
    const below = await ratelimit(['--anonymous', '--json', '--fail-under', '77']);
    expect(below).toExit(6);
    expect(JSON.parse(below.stdout)).toMatchObject({ remaining: 76 });
    const above = await ratelimit(['--anonymous', '--fail-under', '76']);
    expect(above).toExit(0);
  });

  it('--fail-under below the threshold says so on stderr in one line, with the numbers', async () => {
    hub.mode = 'metered';
    const below = await ratelimit(['--anonymous', '--fail-under', '77']);
    expect(below).toExit(6);
    expect(below.stderr).toBe(`dcm: 76 pulls left on ${hub.host}, fewer than --fail-under 77\n`);
  });

  it('uses the login Docker keeps in config.json (docker login without a credsStore), with no keychain at all', async () => {
    hub.mode = 'metered';
    const docker = tempDir('docker-plaintext');
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: docker };
    // A config.json that already holds an auths entry: the Docker CLI then keeps plaintext, as on
    // a CI runner, instead of picking a default credential helper of its own (pass, secretservice).
    writeFileSync(join(docker, 'config.json'), '{"auths": {"example.invalid": {}}}');
    const login = await run('docker', ['login', hub.host, '-u', 'hubuser', '--password-stdin'], { stdin: 'hub-Passw0rd', env });
    expect(login).toExit(0);
    expect(JSON.parse(readFileSync(join(docker, 'config.json'), 'utf8')).auths[hub.host].auth).toBeTypeOf('string');
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const result = await ratelimit(['--json'], env);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ authenticated: true, account: 'hubuser', source: hub.accountIds.hubuser });
  });

  it('-u USER --password-stdin: a one-off signed-in check that stores nothing and prints no secret', async () => {
    hub.mode = 'metered';
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: tempDir('docker-none') };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const result = await run(bin.dcm, ['ratelimit', '--registry', hub.host, '-u', 'hubuser', '--password-stdin', '--json'], { stdin: 'hub-Passw0rd\n', env });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ authenticated: true, account: 'hubuser', source: hub.accountIds.hubuser });
    expect(result.stdout).not.toContain('hub-Passw0rd');
    const wrong = await run(bin.dcm, ['ratelimit', '--registry', hub.host, '-u', 'hubuser', '--password-stdin'], { stdin: 'wrong', env });
    expect(wrong).toExit(3);
    expect(wrong.stderr + wrong.stdout).not.toContain('wrong\n');
  });

  it.each([
    [['-u', 'hubuser'], /-u\/--username and --password-stdin go together/],
    [['--password-stdin'], /-u\/--username and --password-stdin go together/],
    [['-u', 'hubuser', '--password-stdin', '--anonymous'], /--anonymous and --username contradict each other/],
  ])('%j is a usage error, exit 2', async (args, message) => {
    const result = await run(bin.dcm, ['ratelimit', '--registry', hub.host, ...args], { stdin: 'x' });
    expect(result).toExit(2);
    expect(result.stderr).toMatch(message);
  });

  it('--format prometheus parses with a Prometheus text-format parser', async () => {
    hub.mode = 'metered';
    const result = await ratelimit(['--anonymous', '--format', 'prometheus']);
    expect(result).toExit(0);
    const families = parsePrometheus(result.stdout);
    const value = (name: string) => families.find((f) => f.name === name)?.metrics[0];
    expect(families.map((f) => f.name).sort()).toEqual([
      'dcm_registry_pull_limit',
      'dcm_registry_pull_remaining',
      'dcm_registry_pull_unlimited',
      'dcm_registry_pull_window_seconds',
    ]);
    for (const family of families) expect(family.type).toBe('GAUGE');
    expect(value('dcm_registry_pull_limit')).toEqual({
      value: '100',
      labels: { registry: hub.host, repository: 'ratelimitpreview/test', authenticated: 'false', account: '', source: '127.0.0.1' },
    });
    expect(value('dcm_registry_pull_remaining')?.value).toBe('76');
    expect(value('dcm_registry_pull_window_seconds')?.value).toBe('21600');
    expect(value('dcm_registry_pull_unlimited')?.value).toBe('0');
  });

  it('--format github, limit exhausted: the outputs written, an ::error:: annotation, exit 6 (issue 22, items 7 and 8)', async () => {
    hub.mode = 'exhausted';
    const output = join(tempDir('github-exhausted'), 'output');
    const result = await ratelimit(['--anonymous', '--format', 'github'], { ...process.env, GITHUB_OUTPUT: output });
    expect(result).toExit(6);
    expect(parseGithubOutput(readFileSync(output, 'utf8'))).toMatchObject({ remaining: '0', limit: '100', authenticated: 'false' });
    expect(result.stdout).toMatch(/^::error title=Docker Hub pull limit::pull limit exhausted on 127\.0\.0\.1:\d+: toomanyrequests/m);
  });

  it('--format github, a check that fails: an ::error:: annotation, outputs written empty with authenticated=false (issue 22, item 8)', async () => {
    hub.mode = 'realm-down';
    const output = join(tempDir('github-failed'), 'output');
    const result = await ratelimit(['--anonymous', '--format', 'github'], { ...process.env, GITHUB_OUTPUT: output });
    expect(result).toExit(7);
    expect(result.stdout).toMatch(/^::error title=dcm ratelimit::.*HTTP 503/m);
    expect(parseGithubOutput(readFileSync(output, 'utf8'))).toEqual({
      limit: '',
      remaining: '',
      'window-seconds': '',
      source: '',
      authenticated: 'false',
      unlimited: 'false',
    });
  });

  it('on a runner with no keychain: no note about D-Bus, and the hint names the action inputs (issue 22, item 8)', async () => {
    hub.mode = 'metered';
    const output = join(tempDir('github-runner'), 'output');
    const env = { ...process.env, GITHUB_OUTPUT: output, GITHUB_ACTIONS: 'true', DBUS_SESSION_BUS_ADDRESS: undefined };
    const result = await ratelimit(['--format', 'github'], env);
    expect(result).toExit(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain("hint: signed-in pulls have a higher limit: give the action's username and token inputs");
    expect(result.stdout).not.toContain('dcm login');
  });

  it('--format prometheus --output FILE: replaced whole; a failed check writes dcm_ratelimit_success 0 (issue 22, item 8)', async () => {
    const file = join(tempDir('prom'), 'dockerhub.prom');
    hub.mode = 'metered';
    expect(await ratelimit(['--anonymous', '--format', 'prometheus', '--output', file])).toExit(0);
    const good = readFileSync(file, 'utf8');
    expect(good).toMatch(/^dcm_registry_pull_remaining\{.*\} \d+$/m);
    expect(good).toMatch(/^dcm_ratelimit_success 1$/m);
    hub.mode = 'realm-down';
    const failed = await ratelimit(['--anonymous', '--format', 'prometheus', '--output', file]);
    expect(failed).toExit(7);
    expect(readFileSync(file, 'utf8')).toBe(
      '# HELP dcm_ratelimit_success 1 when the last check of the pull limit succeeded.\n# TYPE dcm_ratelimit_success gauge\ndcm_ratelimit_success 0\n',
    );
    expect(readdirSync(dirname(file))).toEqual(['dockerhub.prom']);
    expect(await ratelimit(['--anonymous', '--output', file])).toExit(2);
  });

  it('--format github writes the step outputs and annotates when low', async () => {
    hub.mode = 'x-prefixed-policy';
    const output = join(tempDir('github'), 'output');
    writeFileSync(output, 'earlier=kept\n');
    const result = await ratelimit(['--anonymous', '--format', 'github'], { ...process.env, GITHUB_OUTPUT: output });
    expect(result).toExit(0);
    expect(parseGithubOutput(readFileSync(output, 'utf8'))).toEqual({
      earlier: 'kept',
      limit: '100',
      remaining: '3',
      'window-seconds': '3600',
      source: '127.0.0.1',
      authenticated: 'false',
      unlimited: 'false',
    });
    expect(result.stdout).toMatch(/^::warning title=Docker Hub pull limit::only 3 of 100 pulls left on 127\.0\.0\.1:\d+ for 127\.0\.0\.1$/m);
    const missing = await ratelimit(['--format', 'github'], { ...process.env, GITHUB_OUTPUT: '' });
    expect(missing).toExit(2);
  });

  it('--format github: a username with line breaks adds no workflow command and no output (issue 19, item 6)', async () => {
    hub.mode = 'x-prefixed-policy';
    const output = join(tempDir('github-hostile'), 'output');
    const summary = join(tempDir('github-hostile'), 'summary');
    const result = await run(bin.dcm, ['ratelimit', '--registry', hub.host, '--format', 'github', '-u', HOSTILE_USER, '--password-stdin'], {
      stdin: 'hostile-Pw',
      env: { ...process.env, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary },
    });
    expect(result).toExit(0);
    // The only workflow command is dcm's own warning, on one line.
    const commands = `${result.stdout}\n${result.stderr}`.split(/\r?\n|\r/).filter((line) => line.startsWith('::'));
    expect(commands).toEqual([expect.stringMatching(/^::warning title=Docker Hub pull limit::only 3 of 200 pulls left on 127\.0\.0\.1:\d+ for [\w-]+$/)]);
    expect(result.stdout).toContain('signed in as ci-bot\\u000a::add-mask::hidden');
    expect(Object.keys(parseGithubOutput(readFileSync(output, 'utf8')))).toEqual([
      'limit',
      'remaining',
      'window-seconds',
      'source',
      'authenticated',
      'unlimited',
    ]);
    expect(readFileSync(output, 'utf8')).toMatch(/^limit<<ghadelimiter_[\da-f-]{36}\n200\n/);
    // The job summary keeps the name in its cell.
    expect(
      readFileSync(summary, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('| Signed in')),
    ).toEqual(['| Signed in | yes (ci-bot\\u000a::add-mask::hidden\\u000a::set-output name=pwned::1\\u000d\\u000a::error::forged) |']);
  });

  it('control and bidi characters in a registry header are shown escaped (issue 19, item 7)', async () => {
    hub.mode = 'metered';
    // C1 CSI (0x9b) and OSC (0x9d) travel as obs-text bytes in a header; a terminal that reads
    // C1 controls would act on them.
    hub.accountIds.hubuser = 'acct\u009b2J\u009d52;c;cHduZWQ=\u009c';
    try {
      const stored = await run(bin.helper, ['store'], { stdin: JSON.stringify({ ServerURL: hub.host, Username: 'hubuser', Secret: 'hub-Passw0rd' }) });
      expect(stored).toExit(0);
      for (const args of [[], ['--json'], ['--format', 'prometheus']]) {
        const result = await ratelimit(args);
        expect(result).toExit(0);
        expect(result.stdout + result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      }
      expect((await ratelimit([])).stdout).toContain('the account acct\\u009b2J\\u009d52;c;cHduZWQ=\\u009c');
      // JSON keeps the value: \u009b is a JSON escape of the same character.
      expect(JSON.parse((await ratelimit(['--json'])).stdout).source).toBe(hub.accountIds.hubuser);
    } finally {
      hub.accountIds.hubuser = 'plain-account-id';
      await run(bin.helper, ['erase'], { stdin: hub.host });
    }
  });

  it.each([
    [['--format', 'yaml'], /--format must be one of text, json, prometheus, github/],
    [['--json', '--format', 'prometheus'], /--json and --format disagree/],
    [['--fail-under', '-1'], /--fail-under takes a whole number/],
    [['--fail-under', 'lots'], /--fail-under takes a whole number/],
    [['--repository', '../../etc/passwd'], /is not a repository name/],
    [['--repository', 'UPPER/case'], /is not a repository name/],
  ])('bad options %j: usage error, exit 2, nothing sent', async (args, message) => {
    const before = hub.requests.length;
    const result = await ratelimit(args);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(message);
    expect(hub.requests.length).toBe(before);
  });
});
