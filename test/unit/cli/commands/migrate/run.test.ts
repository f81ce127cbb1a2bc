import { describe, expect, it } from 'vitest';
import { findPlaintext } from '../../../../../src/docker/auths.ts';
import { planMigration } from '../../../../../src/cli/commands/migrate/run.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const auth = (user: string, password: string) => ({ auth: b64(`${user}:${password}`) });

/** Each row: auths in config.json, what the keychain holds → entries moved, removed as duplicates, left. */
const ROWS: Array<[string, Record<string, object>, Record<string, { username: string; secret: string }>, string[], string[], string[]]> = [
  ['one entry moves', { 'ghcr.io': auth('octo', 'pat') }, {}, ['ghcr.io'], [], []],
  [
    "two spellings, two logins: Docker's own spelling moves, the other stays",
    { 'https://dup.io/': auth('erin', 'e'), 'dup.io': auth('frank', 'f') },
    {},
    ['dup.io'],
    [],
    ['https://dup.io/'],
  ],
  [
    'Hub under two spellings, two logins',
    { 'docker.io': auth('a', '1'), 'https://index.docker.io/v1/': auth('b', '2') },
    {},
    ['https://index.docker.io/v1/'],
    [],
    ['docker.io'],
  ],
  [
    'two spellings, no canonical one: the first in order moves',
    { 'https://dup.io/': auth('erin', 'e'), 'http://dup.io': auth('frank', 'f') },
    {},
    ['http://dup.io'],
    [],
    ['https://dup.io/'],
  ],
  [
    'two spellings, one login: one moves, the twin goes with it',
    { 'https://same.io': auth('u', 'p'), 'same.io': auth('u', 'p') },
    {},
    ['same.io'],
    ['https://same.io'],
    [],
  ],
  [
    'the keychain already holds this login: moves (a no-op store)',
    { 'ghcr.io': auth('octo', 'pat') },
    { 'ghcr.io': { username: 'octo', secret: 'pat' } },
    ['ghcr.io'],
    [],
    [],
  ],
  [
    'the keychain holds another login: every spelling stays',
    { 'ghcr.io': auth('octo', 'pat'), 'https://ghcr.io': auth('x', 'y') },
    { 'ghcr.io': { username: 'other', secret: 's' } },
    [],
    [],
    ['ghcr.io', 'https://ghcr.io'],
  ],
];

describe('planMigration', () => {
  it.each(ROWS)('%s', (_name, auths, keychain, moved, alsoRemoved, left) => {
    const plan = planMigration(findPlaintext({ auths }).credentials, new Map(Object.entries(keychain)));
    expect(plan.move.map((c) => c.entry)).toEqual(moved);
    expect(plan.alsoRemove.map((c) => c.entry)).toEqual(alsoRemoved);
    expect(plan.left.map((l) => l.registry).sort()).toEqual(left);
  });
});
