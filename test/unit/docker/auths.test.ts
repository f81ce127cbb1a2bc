import { describe, expect, it } from 'vitest';
import { detectIndent, renderDockerConfig } from '../../../src/docker/config-file.ts';
import { findPlaintext, registriesWithPlaintext, withoutSecrets } from '../../../src/docker/auths.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('findPlaintext', () => {
  it.each([
    [
      { auths: { 'ghcr.io': { auth: b64('octo:pat') } } },
      [{ entry: 'ghcr.io', registry: 'ghcr.io', username: 'octo', secret: 'pat', kind: 'password', fields: ['auth'] }],
      [],
    ],
    [
      { auths: { 'https://index.docker.io/v1/': { auth: b64('me:pa:ss:word') } } },
      [
        {
          entry: 'https://index.docker.io/v1/',
          registry: 'https://index.docker.io/v1/',
          username: 'me',
          secret: 'pa:ss:word',
          kind: 'password',
          fields: ['auth'],
        },
      ],
      [],
    ],
    [
      { auths: { 'x.azurecr.io': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'rt' } } },
      [{ entry: 'x.azurecr.io', registry: 'x.azurecr.io', username: '<token>', secret: 'rt', kind: 'identity-token', fields: ['auth', 'identitytoken'] }],
      [],
    ],
    [
      { auths: { 'HTTPS://Old.Example/v1/': { username: 'bob', password: 'pw', email: 'b@x' } } },
      [{ entry: 'HTTPS://Old.Example/v1/', registry: 'old.example', username: 'bob', secret: 'pw', kind: 'password', fields: ['password', 'username'] }],
      [],
    ],
    // A password beside an identity token: the token moves, the password stays and is reported.
    [
      { auths: { 'both.io': { auth: b64('erin:pw'), identitytoken: 'rt' } } },
      [{ entry: 'both.io', registry: 'both.io', username: '<token>', secret: 'rt', kind: 'identity-token', fields: ['identitytoken'] }],
      [{ entry: 'both.io', reason: expect.stringMatching(/^its "auth" stays in config.json/) }],
    ],
    // A legacy password that differs from the one in "auth" is not accounted for by the move.
    [
      { auths: { 'two.io': { auth: b64('u:one'), password: 'two' } } },
      [{ entry: 'two.io', registry: 'two.io', username: 'u', secret: 'one', kind: 'password', fields: ['auth'] }],
      [{ entry: 'two.io', reason: expect.stringMatching(/^its "password" stays/) }],
    ],
    [{ auths: { 'ghcr.io': {}, 'quay.io': { email: 'q@x' } } }, [], []],
    [{ auths: { 'bad.example': { auth: '!!!not base64!!!' } } }, [], [{ entry: 'bad.example', reason: 'its "auth" is not base64 of user:password' }]],
    [{ auths: { 'nocolon.example': { auth: b64('nocolon') } } }, [], [{ entry: 'nocolon.example', reason: 'its "auth" is not base64 of user:password' }]],
    [{ auths: { 'reg.example': { registrytoken: 'bearer' } } }, [], [{ entry: 'reg.example', reason: expect.stringContaining('registrytoken') }]],
    [{ auths: { 'bad host !': { auth: b64('a:b') } } }, [], [{ entry: 'bad host !', reason: 'the registry address cannot be understood' }]],
    [{}, [], []],
    [{ auths: 'nonsense' }, [], []],
    [{ auths: { 'x.io': null, 'y.io': 'string' } }, [], []],
  ])('%j', (config, credentials, unusable) => {
    expect(findPlaintext(config as Record<string, unknown>)).toEqual({ credentials, unusable });
  });
});

describe('withoutSecrets', () => {
  it('removes the secret fields of the named entries only, leaving {} or the other fields', () => {
    const config = { auths: { a: { auth: 'x', email: 'e' }, b: { identitytoken: 't' }, c: { auth: 'keep' } }, other: 1 };
    expect(withoutSecrets(config, ['a', 'b'])).toEqual({ auths: { a: { email: 'e' }, b: {}, c: { auth: 'keep' } }, other: 1 });
    expect(config.auths.a.auth).toBe('x');
    expect(registriesWithPlaintext({ auths: { c: { auth: b64('u:p') }, d: {} } })).toEqual(['c']);
  });
});

describe('detectIndent and render', () => {
  it.each([
    ['{\n\t"a": 1\n}', '\t'],
    ['{\n  "a": 1\n}', '  '],
    ['{\n    "a": {\n        "b": 1\n    }\n}', '    '],
    ['{"a":1}', '\t'],
  ])('%j → %j', (text, indent) => expect(detectIndent(text)).toBe(indent));

  it('renders with the indent and trailing newline it found', () => {
    expect(renderDockerConfig({ data: { a: { b: 1 } }, indent: '  ', trailingNewline: true })).toBe('{\n  "a": {\n    "b": 1\n  }\n}\n');
  });
});
