import { describe, expect, it } from 'vitest';
import { authsAfterLogin, authsAfterLogout, authsEntryFor, sourceFor } from '../../../src/docker/credential-sources.ts';

const HUB = 'https://index.docker.io/v1/';

describe("sourceFor: Docker's order", () => {
  it.each([
    ['credHelpers first', { credHelpers: { 'ghcr.io': 'pass' }, credsStore: 'dcm' }, 'ghcr.io', { kind: 'helper', helper: 'pass', via: 'credHelpers' }],
    [
      'credsStore for a registry credHelpers does not name',
      { credHelpers: { 'ghcr.io': 'pass' }, credsStore: 'dcm' },
      'quay.io',
      { kind: 'helper', helper: 'dcm', via: 'credsStore' },
    ],
    ['credHelpers keys match exactly, as Docker matches them', { credHelpers: { 'docker.io': 'pass' } }, HUB, { kind: 'auths' }],
    ['Docker Hub under its own key', { credHelpers: { [HUB]: 'desktop' } }, HUB, { kind: 'helper', helper: 'desktop', via: 'credHelpers' }],
    ['auths when there is no helper', { auths: { 'ghcr.io': {} } }, 'ghcr.io', { kind: 'auths' }],
    ['an empty credsStore is no store', { credsStore: '' }, 'ghcr.io', { kind: 'auths' }],
    [
      'a credHelpers that is not an object is ignored',
      { credHelpers: 'abc', credsStore: 'dcm' },
      'ghcr.io',
      { kind: 'helper', helper: 'dcm', via: 'credsStore' },
    ],
  ])('%s', (_name, config, registry, expected) => expect(sourceFor(config, registry)).toEqual(expected));
});

describe('authsEntryFor', () => {
  it.each([
    ['the exact key', { auths: { 'ghcr.io': {}, 'https://ghcr.io': {} } }, 'ghcr.io', 'ghcr.io'],
    ['another spelling of it', { auths: { 'https://ghcr.io/v2/': {} } }, 'ghcr.io', 'https://ghcr.io/v2/'],
    ['Docker Hub spelled docker.io', { auths: { 'docker.io': {} } }, HUB, 'docker.io'],
    ['none', { auths: { 'quay.io': {} } }, 'ghcr.io', undefined],
    ['auths missing', {}, 'ghcr.io', undefined],
  ])('%s', (_name, config, registry, expected) => expect(authsEntryFor(config, registry)).toBe(expected));
});

describe('auths as docker login and docker logout leave them (issue 22, item 3)', () => {
  it.each([
    ['credsStore dcm: an empty entry is added', { credsStore: 'dcm' }, 'ghcr.io', { credsStore: 'dcm', auths: { 'ghcr.io': {} } }],
    ['already there: no change', { credsStore: 'dcm', auths: { 'ghcr.io': {} } }, 'ghcr.io', undefined],
    [
      'a plaintext entry Docker no longer reads is replaced, as docker login does',
      { credsStore: 'dcm', auths: { 'ghcr.io': { auth: 'eDp5' } } },
      'ghcr.io',
      { credsStore: 'dcm', auths: { 'ghcr.io': {} } },
    ],
    ['credHelpers sends it to dcm', { credHelpers: { 'ghcr.io': 'dcm' } }, 'ghcr.io', { credHelpers: { 'ghcr.io': 'dcm' }, auths: { 'ghcr.io': {} } }],
    ['Docker does not use dcm: nothing', { credsStore: 'desktop' }, 'ghcr.io', undefined],
    ['no helper at all: nothing', {}, 'ghcr.io', undefined],
    ['auths that is not an object: left alone', { credsStore: 'dcm', auths: [] }, 'ghcr.io', undefined],
  ])('login: %s', (_name, config, registry, expected) => {
    expect(authsAfterLogin(config, registry)).toEqual(expected);
  });

  it.each([
    ['the empty entry goes', { credsStore: 'dcm', auths: { 'ghcr.io': {}, 'quay.io': {} } }, ['ghcr.io'], { credsStore: 'dcm', auths: { 'quay.io': {} } }],
    ['under a spelling that normalises to it', { credsStore: 'dcm', auths: { 'https://ghcr.io': {} } }, ['ghcr.io'], { credsStore: 'dcm', auths: {} }],
    ['an entry with its own secret is another login: kept', { credsStore: 'dcm', auths: { 'ghcr.io': { auth: 'eDp5' } } }, ['ghcr.io'], undefined],
    ['Docker does not use dcm: nothing', { credsStore: 'desktop', auths: { 'ghcr.io': {} } }, ['ghcr.io'], undefined],
  ])('logout: %s', (_name, config, registries, expected) => {
    expect(authsAfterLogout(config, registries)).toEqual(expected);
  });
});
