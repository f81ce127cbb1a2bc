/**
 * Differential test against Docker's reference helper in Go (Debian's
 * golang-docker-credential-helpers, docker-credential-secretservice 0.6.4), on the same Secret
 * Service: the same calls through both, stdout and exit code compared. Where dcm differs on
 * purpose, the case says why and asserts both sides (README: "Where dcm differs from the
 * reference helpers").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession } from '../helpers/env.ts';
import { dcmHelper, storeJson, uniqueHost } from '../helpers/helper-process.ts';
import { run, type RunResult } from '../helpers/spawn.ts';

const GO = 'docker-credential-secretservice';
type Step = [args: string[], stdin?: string];

interface Case {
  name: string;
  setup?: (host: string) => Step[];
  step: (host: string) => Step;
  /** Undefined when both must agree; otherwise why dcm differs and what each prints. */
  differs?: { why: string; dcm: Partial<RunResult>; go: Partial<RunResult>; mayAgree?: boolean };
}

const cases: Case[] = [
  { name: 'get of a missing entry', step: (h) => [['get'], h] },
  { name: 'get with empty stdin', step: () => [['get'], ''] },
  { name: 'get with whitespace stdin', step: () => [['get'], ' \r\n'] },
  { name: 'erase with empty stdin', step: () => [['erase'], ''] },
  { name: 'erase of a missing entry succeeds', step: (h) => [['erase'], h] },
  { name: 'store without server URL', step: () => [['store'], storeJson('', 'u', 's')] },
  { name: 'store without username', step: (h) => [['store'], storeJson(h, '', 's')] },
  {
    name: 'store with a wrong type',
    step: () => [['store'], '{"ServerURL":1}'],
    differs: {
      why: 'dcm names the field in words instead of Go struct jargon',
      dcm: { stdout: 'invalid input: ServerURL must be a string, not a number\n', code: 1 },
      go: { stdout: 'json: cannot unmarshal number into Go struct field Credentials.ServerURL of type string\n', code: 1 },
    },
  },
  { name: 'store succeeds silently', step: (h) => [['store'], storeJson(h, 'u', 's')] },
  { name: 'get after store', setup: (h) => [[['store'], storeJson(h, 'alice', 'p@ss')]], step: (h) => [['get'], h] },
  { name: 'get with a trailing newline', setup: (h) => [[['store'], storeJson(h, 'alice', 'p@ss')]], step: (h) => [['get'], `${h}\n`] },
  {
    name: 'identity token round trip',
    setup: (h) => [[['store'], `{"ServerURL":"${h}","Username":"\\u003ctoken\\u003e","Secret":"t\\u0026\\u003c\\u003e"}`]],
    step: (h) => [['get'], h],
  },
  { name: 'lower-case JSON keys', setup: (h) => [[['store'], `{"serverurl":"${h}","username":"u","secret":"s"}`]], step: (h) => [['get'], h] },
  {
    name: 'store again with another username',
    setup: (h) => [
      [['store'], storeJson(h, 'alice', 'a')],
      [['store'], storeJson(h, 'bob', 'b')],
    ],
    step: (h) => [['get'], h],
    differs: {
      why: 'secretservice keeps a second item (its attributes include the username) and get returns whichever the Secret Service lists first; dcm replaces the login',
      dcm: { stdout: expect.stringContaining('"Username":"bob","Secret":"b"'), code: 0 },
      go: { code: 0 },
      mayAgree: true,
    },
  },
  {
    name: 'get after erase',
    setup: (h) => [
      [['store'], storeJson(h, 'u', 's')],
      [['erase'], h],
    ],
    step: (h) => [['get'], h],
  },
  { name: 'no arguments', step: () => [[], ''] },
  { name: 'two arguments', step: () => [['get', 'x'], ''] },
  {
    name: 'unknown verb',
    step: () => [['foo'], ''],
    differs: {
      why: "dcm uses the current framework's wording (v0.9); Debian ships 0.6.4",
      dcm: { stdout: 'docker-credential-dcm: unknown action: foo\n', code: 1 },
      go: { stdout: 'Unknown credential action `foo`\n', code: 1 },
    },
  },
  {
    name: '--help',
    step: () => [['--help'], ''],
    differs: {
      why: 'the current framework prints usage for --help; 0.6.4 calls it an unknown action',
      dcm: { stdout: 'Usage: docker-credential-dcm <store|get|erase|list|version>\n', code: 0 },
      go: { stdout: 'Unknown credential action `--help`\n', code: 1 },
    },
  },
  {
    name: 'empty stdin for store',
    step: () => [['store'], ''],
    differs: {
      why: 'Go prints the bare decoder error "EOF"; dcm says what store expects',
      dcm: { stdout: 'no input: store expects a JSON object {"ServerURL","Username","Secret"} on stdin\n', code: 1 },
      go: { stdout: 'EOF\n', code: 1 },
    },
  },
  {
    name: 'trailing garbage after the JSON object',
    step: (h) => [['store'], `${storeJson(h, 'u', 's').trim()} junk`],
    differs: {
      why: 'Go decodes the first value and ignores the rest; dcm refuses input it does not fully understand',
      dcm: { stdout: expect.stringMatching(/^invalid JSON on stdin at position \d+: store expects \{"ServerURL","Username","Secret"\}\n$/), code: 1 },
      go: { stdout: '', code: 0 },
    },
  },
  {
    name: 'a 70 KB secret',
    setup: (h) => [[['store'], storeJson(h, 'u', 'x'.repeat(70_000))]],
    step: (h) => [['get'], h],
    differs: {
      why: 'the reference framework reads stdin with a 64 KiB line limit; Docker Hub tokens keep growing',
      dcm: { code: 0 },
      go: { stdout: 'credentials not found in native keychain\n', code: 1 },
    },
  },
  {
    name: 'another spelling of the same registry',
    setup: (h) => [[['store'], storeJson(`https://${h.toUpperCase()}:443/v2/`, 'u', 's')]],
    step: (h) => [['get'], h],
    differs: {
      why: 'dcm normalises every spelling of a registry to one key, as Docker does when choosing the key',
      dcm: { code: 0 },
      go: { stdout: 'credentials not found in native keychain\n', code: 1 },
    },
  },
  {
    name: 'an empty secret',
    setup: (h) => [[['store'], storeJson(h, 'u', '')]],
    step: (h) => [['get'], h],
    differs: {
      why: 'secretservice reports an empty secret as not found; dcm returns what was stored',
      dcm: { code: 0 },
      go: { stdout: 'credentials not found in native keychain\n', code: 1 },
    },
  },
];

async function through(helper: (args: string[], stdin: string) => Promise<RunResult>, host: string, c: Case) {
  for (const [args, stdin = ''] of c.setup?.(host) ?? []) await helper(args, stdin);
  const [args, stdin = ''] = c.step(host);
  const result = await helper(args, stdin);
  await helper(['erase'], host);
  // Both print their own name in usage lines: compare what is not the name.
  return { stdout: result.stdout.replaceAll(GO, 'docker-credential-dcm'), code: result.code };
}

describe(`dcm vs ${GO}`, () => {
  beforeAll(requireTestSession);
  const dcm = dcmHelper();
  const go = (args: string[], stdin: string) => run(GO, args, { stdin, timeoutMs: 20_000 });

  it.each(cases)('$name', async (c) => {
    const host = uniqueHost('diff');
    const ours = await through((args, stdin) => dcm(args, stdin), host, c);
    const theirs = await through(go, host, c);
    if (!c.differs) {
      expect(ours).toEqual(theirs);
    } else {
      expect(ours).toMatchObject(c.differs.dcm);
      expect(theirs).toMatchObject(c.differs.go);
      if (!c.differs.mayAgree) expect(ours).not.toEqual(theirs);
    }
  });

  it('list prints the same map for the same entries', async () => {
    const hosts = [uniqueHost('lista'), uniqueHost('listb')];
    for (const h of hosts) {
      await dcm('store', storeJson(h, `user-${h}`, 's'));
      await go(['store'], storeJson(h, `user-${h}`, 's'));
    }
    const pick = (stdout: string) => Object.fromEntries(Object.entries(JSON.parse(stdout)).filter(([k]) => hosts.includes(k)));
    const ours = await dcm('list');
    const theirs = await go(['list'], '');
    expect(ours.code).toBe(theirs.code);
    expect(pick(ours.stdout)).toEqual(pick(theirs.stdout));
    expect(Object.keys(pick(ours.stdout))).toHaveLength(2);
    for (const h of hosts) {
      await dcm('erase', h);
      await go(['erase'], h);
    }
  });
});
