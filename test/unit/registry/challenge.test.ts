import { describe, expect, it } from 'vitest';
import { parseChallenges, pickChallenge } from '../../../src/registry/challenge.ts';

describe('parseChallenges', () => {
  it.each([
    ['Basic realm="basic-realm"', [{ scheme: 'basic', params: { realm: 'basic-realm' } }]],
    ['basic realm=x', [{ scheme: 'basic', params: { realm: 'x' } }]],
    [
      'BEARER realm="https://auth.docker.io/token",service="registry.docker.io"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' } }],
    ],
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:user/image:pull,push' } }],
    ],
    ['Bearer realm="a\\"b\\\\c"', [{ scheme: 'bearer', params: { realm: 'a"b\\c' } }]],
    ['Bearer Realm="r", Service="s"', [{ scheme: 'bearer', params: { realm: 'r', service: 's' } }]],
    // Two challenges joined with ", " as Node joins repeated headers.
    [
      'Basic realm="b", Bearer realm="https://r/token",service="s"',
      [
        { scheme: 'basic', params: { realm: 'b' } },
        { scheme: 'bearer', params: { realm: 'https://r/token', service: 's' } },
      ],
    ],
    [
      'Negotiate, Bearer realm="https://r/t",service="s",scope="a:b:c,d"',
      [
        { scheme: 'negotiate', params: {} },
        { scheme: 'bearer', params: { realm: 'https://r/t', service: 's', scope: 'a:b:c,d' } },
      ],
    ],
    [
      'Negotiate abc==, Basic realm="x"',
      [
        { scheme: 'negotiate', params: { abc: '' } },
        { scheme: 'basic', params: { realm: 'x' } },
      ],
    ],
    // A Harbor fixture separates parameters with spaces; ACR adds error=.
    [
      'Bearer realm="https://h/service/token" service="harbor-registry"',
      [{ scheme: 'bearer', params: { realm: 'https://h/service/token', service: 'harbor-registry' } }],
    ],
    [
      'Bearer realm="https://x.azurecr.io/oauth2/token",service="x.azurecr.io",error="invalid_token"',
      [{ scheme: 'bearer', params: { realm: 'https://x.azurecr.io/oauth2/token', service: 'x.azurecr.io', error: 'invalid_token' } }],
    ],
    [
      'Basic realm="https://1.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"',
      [{ scheme: 'basic', params: { realm: 'https://1.dkr.ecr.us-east-1.amazonaws.com/', service: 'ecr.amazonaws.com' } }],
    ],
    ['  ,, Basic   realm = "spaced" ,', [{ scheme: 'basic', params: { realm: 'spaced' } }]],
    ['Bearer realm="unterminated', [{ scheme: 'bearer', params: { realm: 'unterminated' } }]],
    ['', []],
  ])('%j', (header, expected) => {
    expect(parseChallenges(header)).toEqual(expected);
  });

  it('accepts repeated header lines as an array', () => {
    expect(parseChallenges(['Basic realm="a"', 'Bearer realm="b"']).map((c) => c.scheme)).toEqual(['basic', 'bearer']);
  });

  it('terminates on hostile input', () => {
    const hostile = `${'=,="\\'.repeat(10_000)}\u0000\u00ff`;
    expect(Array.isArray(parseChallenges(hostile))).toBe(true);
  });
});

describe('pickChallenge', () => {
  it.each([
    ['Basic realm="b", Bearer realm="r"', 'bearer'],
    ['Negotiate, Basic realm="b"', 'basic'],
    ['Negotiate', undefined],
    ['"just a quote"', undefined],
    ['realm="no scheme"', undefined],
  ])('%j → %s', (header, scheme) => {
    expect(pickChallenge(parseChallenges(header))?.scheme).toBe(scheme);
  });
});
