import { describe, expect, it } from 'vitest';
import { authsEntryFor, sourceFor } from '../../../src/docker/credential-sources.ts';

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
