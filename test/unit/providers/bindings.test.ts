import { describe, expect, it } from 'vitest';
import { bindingFor, bindingsOf, checkPattern, matchesPattern, type Binding } from '../../../src/providers/bindings.ts';

describe('checkPattern', () => {
  it.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com'],
    ['*.dkr.ecr.us-east-1.amazonaws.com', '*.dkr.ecr.us-east-1.amazonaws.com'],
    ['*-docker.pkg.dev', '*-docker.pkg.dev'],
    ['HTTPS://GHCR.IO/', 'ghcr.io'],
    ['registry.example:5000', 'registry.example:5000'],
  ])('%s → %s', (raw, pattern) => {
    expect(checkPattern(raw)).toBe(pattern);
  });

  it.each(['*', '*.com', 'ghcr.io/octocat', 'a.*.*.example', 'reg*istry.example.com.*', 'host:port', 'localhost', 'a b.example'])('%s is refused', (raw) => {
    expect(() => checkPattern(raw)).toThrow(/not a registry host or pattern/);
  });
});

describe('matchesPattern: * is exactly one DNS label (or the start of one)', () => {
  it.each<[string, string, boolean]>([
    ['*.dkr.ecr.us-east-1.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com', true],
    ['*.dkr.ecr.us-east-1.amazonaws.com', 'dkr.ecr.us-east-1.amazonaws.com', false],
    ['*.dkr.ecr.us-east-1.amazonaws.com', 'a.b.dkr.ecr.us-east-1.amazonaws.com', false],
    ['*.dkr.ecr.us-east-1.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', false],
    ['*-docker.pkg.dev', 'europe-west1-docker.pkg.dev', true],
    ['*-docker.pkg.dev', 'docker.pkg.dev', false],
    ['*-docker.pkg.dev', 'evil.example/-docker.pkg.dev', false],
    ['ghcr.io', 'GHCR.IO', true],
    ['ghcr.io', 'ghcr.io:443', false],
    ['*.example', 'x.example.evil', false],
  ])('%s ~ %s: %s', (pattern, host, matches) => {
    expect(matchesPattern(pattern, host)).toBe(matches);
  });
});

describe('bindingFor', () => {
  const bindings: Binding[] = [
    { pattern: '*.dkr.ecr.us-east-1.amazonaws.com', provider: 'aws', profile: 'broad' },
    { pattern: '*.ecr.us-east-1.amazonaws.com', provider: 'aws', profile: 'never' },
    { pattern: '111111111111.dkr.ecr.us-east-1.amazonaws.com', provider: 'aws', profile: 'exact' },
  ];
  it('its own binding first, else the longest pattern that matches, else none', () => {
    expect(bindingFor(bindings, '111111111111.dkr.ecr.us-east-1.amazonaws.com')?.profile).toBe('exact');
    expect(bindingFor(bindings, '222222222222.dkr.ecr.us-east-1.amazonaws.com')?.profile).toBe('broad');
    expect(bindingFor(bindings, 'ghcr.io')).toBeUndefined();
  });
});

describe('bindingsOf', () => {
  it('reads each binding and its options', () => {
    expect(
      bindingsOf(
        { providers: { 'ghcr.io': { provider: 'github' }, 'r.example': { provider: 'exec', command: ['op', 'read', 'x'], username: 'ci' } } },
        '/c.json',
      ),
    ).toEqual([
      { pattern: 'ghcr.io', provider: 'github' },
      { pattern: 'r.example', provider: 'exec', command: ['op', 'read', 'x'], username: 'ci' },
    ]);
    expect(bindingsOf({}, '/c.json')).toEqual([]);
  });

  it.each([
    [{ providers: [] }, /"providers" is not an object/],
    [{ providers: { 'a.example': { provider: 'azure2' } } }, /names no provider dcm has \(aws, azure, gcp, github, exec\)/],
    [{ providers: { 'a.example': { provider: 'exec', command: 'op read' } } }, /"command" that is not a list of words/],
    [{ providers: { 'a.example': 'aws' } }, /names no provider/],
  ])('%j is refused, naming the file', (settings, message) => {
    expect(() => bindingsOf(settings as Record<string, unknown>, '/home/u/.config/dcm/config.json')).toThrow(message);
    expect(() => bindingsOf(settings as Record<string, unknown>, '/home/u/.config/dcm/config.json')).toThrow(/\/home\/u\/\.config\/dcm\/config\.json/);
  });
});
