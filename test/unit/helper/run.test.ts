/**
 * Protocol conformance on in-memory streams and the in-memory keychain: the cases of the
 * reference helpers' own suites (credential-helper-protocol.md §6) and its extra black-box cases (§6.8).
 */
import { describe, expect, it } from 'vitest';
import { memoryHelper } from '../../helpers/memory-io.ts';

const USAGE = 'Usage: docker-credential-dcm <store|get|erase|list|version>\n';
const NOT_FOUND = 'credentials not found in native keychain\n';
const VERSION = /^docker-credential-dcm \(github\.com\/dcm-project\/dcm\) v\d+\.\d+\.\d+\n$/;

const store = (serverURL: string, username: string, secret: string) => JSON.stringify({ ServerURL: serverURL, Username: username, Secret: secret });

describe('arguments (credentials.Serve)', () => {
  it.each([
    [[], USAGE, 1],
    [['get', 'extra'], USAGE, 1],
    [['store', 'get'], USAGE, 1],
    [['--help'], USAGE, 0],
    [['-h'], USAGE, 0],
    [['foo'], 'docker-credential-dcm: unknown action: foo\n', 1],
    [['STORE'], 'docker-credential-dcm: unknown action: STORE\n', 1],
    [[''], 'docker-credential-dcm: unknown action: \n', 1],
  ])('%j → %j, exit %i', async (args, stdout, code) => {
    const helper = memoryHelper();
    expect(await helper.run(args)).toEqual({ stdout, code });
    expect(helper.backend.items.size).toBe(0);
  });

  it.each([['version'], ['--version'], ['-v']])('%s prints the version line', async (verb) => {
    const { stdout, code } = await memoryHelper().run([verb]);
    expect(code).toBe(0);
    expect(stdout).toMatch(VERSION);
  });
});

describe('reference suite (credentials_test.go, client_test.go)', () => {
  it('TestStore / TestGet: stores and reads back', async () => {
    const helper = memoryHelper();
    expect(await helper.run(['store'], store('https://registry.example.com/v1/', 'foo', 'bar'))).toEqual({ stdout: '', code: 0 });
    const got = await helper.run(['get'], 'https://registry.example.com/v1/');
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ ServerURL: 'https://registry.example.com/v1/', Username: 'foo', Secret: 'bar' });
  });

  it.each([
    ['TestStoreMissingServerURL', ['store'], store('', 'foo', 'bar'), 'no credentials server URL\n'],
    ['TestStoreMissingUsername', ['store'], store('https://registry.example.com/v1/', '', 'bar'), 'no credentials username\n'],
    ['TestGetMissingServerURL', ['get'], '', 'no credentials server URL\n'],
    ['TestEraseMissingServerURL', ['erase'], '', 'no credentials server URL\n'],
    ['TestGet missing', ['get'], 'https://adsfasdf.invalid/asdfsdddd', NOT_FOUND],
  ])('%s', async (_name, args, stdin, stdout) => {
    expect(await memoryHelper().run(args, stdin)).toEqual({ stdout, code: 1 });
  });

  it('TestErase: store, erase, then get is not found', async () => {
    const helper = memoryHelper();
    await helper.run(['store'], store('https://registry.example.com/v1/', 'foo', 'bar'));
    expect(await helper.run(['erase'], 'https://registry.example.com/v1/')).toEqual({ stdout: '', code: 0 });
    expect(await helper.run(['get'], 'https://registry.example.com/v1/')).toEqual({ stdout: NOT_FOUND, code: 1 });
  });

  it('TestList: a JSON object of address → username', async () => {
    const helper = memoryHelper();
    await helper.run(['store'], store('https://registry.example.com/v1', 'linus', 'x'));
    expect(await helper.run(['list'])).toEqual({ stdout: '{"registry.example.com":"linus"}\n', code: 0 });
  });

  it('identity tokens: <token> round-trips, escaped on input and output', async () => {
    const helper = memoryHelper();
    await helper.run(['store'], '{"ServerURL":"https://index.docker.io/v1/","Username":"\\u003ctoken\\u003e","Secret":"abcd1234"}\n');
    expect(await helper.run(['get'], 'https://index.docker.io/v1/')).toEqual({
      stdout: '{"ServerURL":"https://index.docker.io/v1/","Username":"\\u003ctoken\\u003e","Secret":"abcd1234"}\n',
      code: 0,
    });
    expect((await helper.run(['list'])).stdout).toBe('{"https://index.docker.io/v1/":"\\u003ctoken\\u003e"}\n');
  });
});

describe('extra black-box cases (§6.8) and dcm semantics', () => {
  it('list is {} when empty, and ignores stdin', async () => {
    expect(await memoryHelper().run(['list'], 'unused')).toEqual({ stdout: '{}\n', code: 0 });
  });

  it.each([' \n', '\t\t', '\r\n'])('empty stdin %j for store is one line, exit 1', async (stdin) => {
    const result = await memoryHelper().run(['store'], stdin);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^no input: store expects a JSON object .*\n$/);
  });

  it('get accepts CRLF and surrounding whitespace; ServerURL echoes the trimmed query', async () => {
    const helper = memoryHelper();
    await helper.run(['store'], store('ghcr.io', 'u', 's'));
    expect(JSON.parse((await helper.run(['get'], '  https://GHCR.io/ \r\n')).stdout)).toEqual({ ServerURL: 'https://GHCR.io/', Username: 'u', Secret: 's' });
  });

  it('a 70 KB secret round-trips (the reference helpers stop at 64 KiB lines)', async () => {
    const helper = memoryHelper();
    const secret = 'x'.repeat(70_000);
    expect((await helper.run(['store'], store('big.example', 'u', secret))).code).toBe(0);
    expect(JSON.parse((await helper.run(['get'], 'big.example')).stdout).Secret).toBe(secret);
  });

  it('stdin above 1 MiB is refused and nothing is stored', async () => {
    const helper = memoryHelper();
    const result = await helper.run(['store'], store('big.example', 'u', 'x'.repeat(2 * 1024 * 1024)));
    expect(result).toEqual({ stdout: 'input too large: stdin exceeds 1048576 bytes\n', code: 1 });
    expect(helper.backend.items.size).toBe(0);
  });

  it('store replaces an existing login, even with another username', async () => {
    const helper = memoryHelper();
    await helper.run(['store'], store('ghcr.io', 'alice', 'a'));
    await helper.run(['store'], store('https://ghcr.io/', 'bob', 'b'));
    expect(JSON.parse((await helper.run(['get'], 'ghcr.io')).stdout)).toMatchObject({ Username: 'bob', Secret: 'b' });
    expect((await helper.run(['list'])).stdout).toBe('{"ghcr.io":"bob"}\n');
  });

  it('erase of an absent entry succeeds', async () => {
    expect(await memoryHelper().run(['erase'], 'never-stored.example')).toEqual({ stdout: '', code: 0 });
  });

  it('every spelling of one registry is one entry; list prints the canonical key', async () => {
    const helper = memoryHelper();
    for (const [i, address] of ['https://GHCR.io:443/v2/', 'ghcr.io', 'http://ghcr.io/'].entries()) {
      await helper.run(['store'], store(address, `user${i}`, `s${i}`));
    }
    await helper.run(['store'], store('docker.io', 'hubuser', 'pat'));
    expect((await helper.run(['list'])).stdout).toBe('{"ghcr.io":"user2","https://index.docker.io/v1/":"hubuser"}\n');
    expect(JSON.parse((await helper.run(['get'], 'https://index.docker.io/v1/')).stdout).Username).toBe('hubuser');
    expect((await helper.run(['erase'], 'GHCR.IO')).code).toBe(0);
    expect((await helper.run(['list'])).stdout).toBe('{"https://index.docker.io/v1/":"hubuser"}\n');
  });

  it('Docker Hub device-login token entries do not overwrite the login', async () => {
    const helper = memoryHelper();
    await helper.run(['store'], store('https://index.docker.io/v1/', 'me', 'pat'));
    await helper.run(['store'], store('https://index.docker.io/v1/access-token', 'me', 'jwt'));
    await helper.run(['store'], store('https://index.docker.io/v1/refresh-token', 'me', 'rt'));
    expect(JSON.parse((await helper.run(['get'], 'https://index.docker.io/v1/')).stdout).Secret).toBe('pat');
    expect(JSON.parse((await helper.run(['get'], 'https://index.docker.io/v1/access-token')).stdout).Secret).toBe('jwt');
  });

  // osxkeychain_test.go TestOSXKeychainHelperStoreRetrieve: many forms, stored without erasing in between.
  it.each([
    'foobar.docker.io',
    'foobar.docker.io:2376',
    '//foobar.docker.io:2376',
    'https://foobar.docker.io:2376',
    'http://foobar.docker.io:2376',
    'https://foobar.docker.io:2376/some/path',
    'https://foobar.docker.io:2376/some/other/path',
    'https://foobar.docker.io:2376/some/other/path?foo=bar',
    'https://::1:8080//////location/../../hello',
  ])('store then get round-trips %s', async (address) => {
    const helper = memoryHelper();
    await helper.run(['store'], store(address, 'user', 'secret'));
    expect(JSON.parse((await helper.run(['get'], address)).stdout)).toMatchObject({ Username: 'user', Secret: 'secret' });
  });

  it.each([
    ['malformed JSON', ['store'], '{"ServerURL":', /^invalid JSON on stdin/],
    ['wrong type', ['store'], '{"ServerURL":5,"Username":"u"}', /^invalid input: ServerURL must be a string/],
    ['binary garbage', ['store'], Buffer.from([0xff, 0x00, 0xfe, 0x1b, 0x5b, 0x32, 0x4a]), /^invalid JSON on stdin/],
    ['control characters in address', ['get'], 'ghcr.io\u0007bell', /^invalid server URL/],
    ['binary address', ['erase'], Buffer.from([0xff, 0xfe, 0x00, 0x41]), /^invalid server URL/],
  ])('%s: one error line, exit 1, keychain unchanged', async (_name, args, stdin, message) => {
    const helper = memoryHelper();
    await helper.run(['store'], store('keep.example', 'u', 's'));
    const before = new Map(helper.backend.items);
    const result = await helper.run(args, stdin);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(message);
    expect(result.stdout.split('\n')).toHaveLength(2);
    expect(helper.backend.items).toEqual(before);
  });
});
