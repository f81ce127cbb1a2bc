/**
 * Hostile and broken input, through a real process on the real keychain: one error line on
 * stdout, exit 1, and the keychain exactly as it was (list before = list after, canary intact).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession } from '../helpers/env.ts';
import { dcmHelper, storeJson, uniqueHost } from '../helpers/helper-process.ts';

const USAGE = 'Usage: docker-credential-dcm <store|get|erase|list|version>\n';

describe('bad input leaves the keychain unchanged', () => {
  beforeAll(requireTestSession);
  const helper = dcmHelper();
  const canary = uniqueHost('canary');

  beforeAll(async () => {
    expect(await helper('store', storeJson(canary, 'canary-user', 'canary-secret'))).toExit(0);
  });

  const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 'a');
  const hugeStore = Buffer.concat([Buffer.from(`{"ServerURL":"${'x'}","Username":"u","Secret":"`), tenMegabytes, Buffer.from('"}')]);

  it.each<[string, string[], string | Buffer, RegExp]>([
    ['empty stdin (store)', ['store'], '', /^no input: store expects a JSON object/],
    ['whitespace stdin (store)', ['store'], ' \n\t \r\n', /^no input: store expects a JSON object/],
    ['empty stdin (get)', ['get'], '', /^no credentials server URL$/],
    ['whitespace stdin (erase)', ['erase'], '  \n ', /^no credentials server URL$/],
    ['malformed JSON', ['store'], '{"ServerURL": "a", "Username": ', /^invalid JSON on stdin/],
    ['JSON array', ['store'], '[1,2,3]', /^invalid input: store expects a JSON object/],
    ['wrong type', ['store'], '{"ServerURL":"a.test","Username":42,"Secret":"s"}', /^invalid input: Username must be a string, not a number$/],
    ['missing username', ['store'], '{"ServerURL":"a.test","Secret":"s"}', /^no credentials username$/],
    ['binary garbage (store)', ['store'], Buffer.from([0x00, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28]), /^invalid JSON on stdin/],
    ['binary garbage (get)', ['get'], Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x00]), /^invalid server URL/],
    ['terminal escapes in address (erase)', ['erase'], `${canary}\u001b[2J`, /^invalid server URL/],
    ['10 MB stdin (store)', ['store'], hugeStore, /^input too large: stdin exceeds 1048576 bytes$/],
    ['10 MB stdin (get)', ['get'], tenMegabytes, /^input too large: stdin exceeds 1048576 bytes$/],
    ['unknown verb', ['delete'], '', /^docker-credential-dcm: unknown action: delete$/],
    ['verb with escapes', ['\u001b[31mx'], '', /^docker-credential-dcm: unknown action: \?\[31mx$/],
    ['extra arguments', ['get', canary], canary, /^Usage: docker-credential-dcm/],
    ['no arguments', [], '', /^Usage: docker-credential-dcm/],
  ])('%s', async (_name, args, stdin, message) => {
    const before = (await helper('list')).stdout;
    const result = await helper(args, stdin);
    expect(result).toExit(1);
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stdout.trimEnd()).toMatch(message);
    expect(result.stdout).not.toContain('canary-secret');
    expect((await helper('list')).stdout).toBe(before);
    expect(JSON.parse((await helper('get', canary)).stdout)).toMatchObject({ Username: 'canary-user', Secret: 'canary-secret' });
  });

  it('usage line is exact', async () => {
    expect(await helper([], '')).toMatchObject({ stdout: USAGE, code: 1 });
  });
});
