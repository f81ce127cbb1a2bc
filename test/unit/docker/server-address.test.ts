import { describe, expect, it } from 'vitest';
import { DOCKER_HUB_KEY, normaliseServerUrl } from '../../../src/docker/server-address.ts';

const HUB = DOCKER_HUB_KEY;

describe('normaliseServerUrl', () => {
  it.each([
    // Docker Hub: every alias, with or without scheme, is Docker's one key.
    ['https://index.docker.io/v1/', HUB],
    ['https://index.docker.io/v1', HUB],
    ['index.docker.io', HUB],
    ['docker.io', HUB],
    ['DOCKER.IO', HUB],
    ['https://docker.io', HUB],
    ['registry-1.docker.io', HUB],
    ['https://registry-1.docker.io/v2/', HUB],
    ['http://index.docker.io/v1/', HUB],
    ['index.docker.io:443', HUB],
    // ...but the device-code login's token entries stay apart from the login itself.
    ['https://index.docker.io/v1/access-token', `${HUB}access-token`],
    ['https://index.docker.io/v1/refresh-token', `${HUB}refresh-token`],
    // Other registries: host[:port], lower case, no scheme, path, slash or default port.
    ['ghcr.io', 'ghcr.io'],
    ['https://ghcr.io/', 'ghcr.io'],
    ['GHCR.io:443', 'ghcr.io'],
    ['https://GHCR.IO:443/v2/', 'ghcr.io'],
    ['http://ghcr.io:80', 'ghcr.io'],
    ['http://registry.local:443', 'registry.local:443'],
    ['https://registry.local:80', 'registry.local:80'],
    ['registry.example.com/v1/', 'registry.example.com'],
    ['https://registry.example.com/v1/', 'registry.example.com'],
    ['https://example.com/v2/?x=1#frag', 'example.com'],
    ['ftp://example.com', 'example.com'],
    ['localhost:5000', 'localhost:5000'],
    ['http://localhost:5000/', 'localhost:5000'],
    ['127.0.0.1:6556', '127.0.0.1:6556'],
    ['[::1]:6556', '[::1]:6556'],
    ['https://[::1]:6556/v2/', '[::1]:6556'],
    ['//foobar.example.com:2376', 'foobar.example.com:2376'],
    ['https://::1:8080//////location/../../hello', '[::1:8080]'],
    ['https://user:pw@registry.example.com/', 'registry.example.com'],
    ['myregistry.azurecr.io', 'myregistry.azurecr.io'],
    ['  ghcr.io  ', 'ghcr.io'],
  ])('%j → %j', (input, expected) => {
    expect(normaliseServerUrl(input)).toBe(expected);
  });

  it.each([
    ['', 'no credentials server URL'],
    ['   ', 'no credentials server URL'],
    ['https://', 'invalid server URL: no valid host name'],
    ['/foobar.example.com', 'invalid server URL: no valid host name'],
    ['ghcr io', 'invalid server URL: contains whitespace or control characters'],
    ['ghcr.io\u0000', 'invalid server URL: contains whitespace or control characters'],
    ['host:99999', 'invalid server URL: invalid port'],
    ['host:abc', 'invalid server URL: invalid port'],
    ['ho$t.example', 'invalid server URL: no valid host name'],
    ['x'.repeat(3000), 'invalid server URL: longer than 2048 characters'],
    // The Kelvin sign lower-cases to ASCII "k": it must not become key.io's entry.
    ['\u212Aey.io', 'invalid server URL: its host has non-ASCII characters that read as "key.io", another registry\'s name'],
    ['https://\u212Aey.io/v2/', 'read as "key.io"'],
    ['\uFB00.io', 'read as "ff.io"'],
    ['ＧＨＣＲ.io', 'read as "ghcr.io"'],
    ['m\u00fcnchen.de:5000', 'invalid server URL: the host has non-ASCII characters; use its ASCII (xn--) form'],
  ])('%j is refused with %j', (input, message) => {
    expect(() => normaliseServerUrl(input)).toThrow(message);
  });
});
