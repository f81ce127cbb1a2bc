/**
 * Text from outside reaches the terminal escaped (issue 19, item 7): a stored username, keys of
 * config.json and daemon.json, carrying C0, C1 and bidi controls, through the real Secret
 * Service and the real files, as `dcm ls` and `dcm doctor` print them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const USERNAME = 'ci\u001b]52;c;cHduZWQ=\u0007bot\u202etxt.exe\u009b2J';
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  requireTestSession();
  const dockerConfig = tempDir('terminal-docker');
  writeFileSync(
    join(dockerConfig, 'config.json'),
    JSON.stringify({
      credsStore: 'dcm',
      credHelpers: { 'evil\u001b[2J.example': 'dcm' },
      auths: { 'plain\u009b31m.example': { auth: Buffer.from('someone:plain-Secret-7').toString('base64') } },
    }),
  );
  const xdg = tempDir('terminal-xdg');
  env = { ...process.env, DOCKER_CONFIG: dockerConfig, XDG_CONFIG_HOME: xdg };
  expect(await run(bin.helper, ['store'], { stdin: storeJson('term.example', USERNAME, 'term-Secret-1'), env })).toExit(0);
});
afterAll(async () => {
  await run(bin.helper, ['erase'], { stdin: 'term.example', env });
});

describe('outside text on the terminal', () => {
  it('dcm ls: a username with escape and bidi controls is shown escaped; --json keeps the value', async () => {
    const table = await run(bin.dcm, ['ls'], { env });
    expect(table.stdout + table.stderr).not.toMatch(RAW);
    expect(table.stdout).toContain('term.example');
    const json = await run(bin.dcm, ['ls', '--json'], { env });
    expect(json.stdout).not.toMatch(RAW);
    const rows = JSON.parse(json.stdout) as Array<{ registry: string; username: string }>;
    expect(rows.find((row) => row.registry === 'term.example')?.username).toBe(USERNAME);
  });

  it('dcm doctor: config.json keys with controls are shown escaped', async () => {
    const result = await run(bin.dcm, ['doctor'], { env });
    expect(result.stdout + result.stderr).not.toMatch(RAW);
    expect(result.stdout + result.stderr).toContain('plain\\u009b31m.example');
    expect(result.stdout + result.stderr).not.toContain('plain-Secret-7');
  });
});
