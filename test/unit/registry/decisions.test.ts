import { describe, expect, it } from 'vitest';
import { realmUrl } from '../../../src/registry/session.ts';
import { certsDirName, hostname, isLoopback } from '../../../src/registry/endpoint.ts';
import { apiHost, profileFor } from '../../../src/registry/profiles.ts';
import { classifyNetError } from '../../../src/registry/net-errors.ts';
import { TlsError } from '../../../src/errors.ts';
import { sanitizeRegistryText } from '../../../src/registry/redaction.ts';

describe('registry profiles', () => {
  it.each([
    ['Docker Hub', 'https://index.docker.io/v1/', 'docker-hub', 'registry-1.docker.io', 'ratelimitpreview/test'],
    ['Docker Hub device-login key', 'https://index.docker.io/v1/access-token', 'docker-hub', 'registry-1.docker.io', 'ratelimitpreview/test'],
    ['GHCR', 'ghcr.io', 'ghcr', 'ghcr.io', undefined],
    ['any other registry', 'registry.example.com', 'generic', 'registry.example.com', undefined],
    ['a registry with a port', 'localhost:5000', 'generic', 'localhost:5000', undefined],
  ])('%s: %s', (_name, key, id, host, repository) => {
    const profile = profileFor(key);
    expect([profile.id, apiHost(key), profile.rateLimitRepository]).toEqual([id, host, repository]);
  });
});

describe('endpoint', () => {
  it.each([
    ['localhost:5000', true],
    ['registry.localhost', true],
    ['127.0.0.1:5000', true],
    ['127.8.9.10', true],
    ['[::1]:5000', true],
    ['10.0.0.1:5000', false],
    ['ghcr.io', false],
    ['127.0.0.1.example.com', false],
    ['localhost.example.com', false],
  ])('isLoopback(%s) = %s', (host, expected) => expect(isLoopback(host)).toBe(expected));

  it.each([
    ['https://index.docker.io/v1/', 'registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5000', 'localhost:5000'],
  ])('apiHost(%s) = %s', (key, expected) => expect(apiHost(key)).toBe(expected));

  it.each([
    ['[::1]:5000', '::1'],
    ['Example.COM:443', 'example.com'],
    ['host', 'host'],
  ])('hostname(%s) = %s', (host, expected) => expect(hostname(host)).toBe(expected));

  it.each([
    ['localhost:5000', 'linux', 'localhost:5000'],
    ['localhost:5000', 'win32', 'localhost5000'],
  ])('certsDirName(%s, %s) = %s', (host, platform, expected) => expect(certsDirName(host, platform)).toBe(expected));
});

describe('realmUrl: where a token may be asked for', () => {
  const base = (origin: string) => new URL('/v2/', origin);
  it.each([
    ['https://auth.docker.io/token', 'https://registry-1.docker.io', 'https://auth.docker.io/token'],
    ['/token', 'https://ghcr.io', 'https://ghcr.io/token'],
    ['http://127.0.0.1:5001/token', 'http://127.0.0.1:5000', 'http://127.0.0.1:5001/token'],
    ['http://localhost:9/token', 'http://localhost:5000', 'http://localhost:9/token'],
  ])('%s for %s → %s', (realm, origin, expected) => {
    expect(realmUrl({ scheme: 'bearer', params: { realm } }, base(origin)).href).toBe(expected);
  });

  it.each([
    ['http://auth.example.com/token', 'https://registry.example.com', /over plain HTTP on another host/],
    ['http://registry.example.com/token', 'https://registry.example.com', /over plain HTTP; the realm must use HTTPS/],
    ['http://localhost:9/token', 'http://127.0.0.1:5000', /on another host/],
    ['ftp://auth.example.com/token', 'https://registry.example.com', /only https/],
    ['https://user:pw@auth.example.com/token', 'https://registry.example.com', /carries credentials/],
    ['', 'https://registry.example.com', /without a realm/],
    ['http://[bad', 'https://registry.example.com', /invalid realm/],
  ])('%j for %s is refused', (realm, origin, message) => {
    expect(() => realmUrl({ scheme: 'bearer', params: { realm } }, base(origin))).toThrow(message);
  });
});

describe('classifyNetError', () => {
  const context = { host: 'reg.example:5000', timeoutMs: 15_000 };
  const error = (code: string, message = code, extra: object = {}) => Object.assign(new Error(message), { code }, extra);
  it.each([
    [error('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls', /unknown authority.*\/etc\/docker\/certs\.d\/reg\.example:5000\/ca\.crt.*--cert-dir/],
    [error('SELF_SIGNED_CERT_IN_CHAIN'), 'tls', /unknown authority/],
    [error('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls', /unknown authority/],
    [error('CERT_HAS_EXPIRED'), 'tls', /has expired/],
    [error('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls', /name mismatch/],
    [error('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls', /does not speak TLS/],
    [error('ENOTFOUND'), 'network', /^DNS: cannot resolve reg\.example:5000$/],
    [error('EAI_AGAIN'), 'network', /^DNS/],
    [error('ECONNREFUSED'), 'network', /^connection refused by reg\.example:5000/],
    [error('UND_ERR_CONNECT_TIMEOUT'), 'network', /^timeout: no answer from reg\.example:5000 within 15 s$/],
    [Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError', code: 23 }), 'network', /^timeout/],
    [error('ECONNRESET'), 'network', /closed unexpectedly/],
    [Object.assign(new Error('wrapper'), { cause: error('CERT_HAS_EXPIRED') }), 'tls', /has expired/],
    [new Error('something else'), 'network', /cannot reach reg\.example:5000: something else/],
    // An answer that is not a registry's HTTP is the registry's failure, not the network's.
    [error('UND_ERR_HEADERS_OVERFLOW', 'Headers Overflow Error'), 'registry', /^reg\.example:5000 answered with response headers too large/],
    [error('HPE_INVALID_CONSTANT', 'Expected HTTP/'), 'registry', /malformed HTTP response/],
  ])('%s → %s', (input, code, message) => {
    const classified = classifyNetError(input, context);
    expect(classified.code).toBe(code);
    if (classified instanceof TlsError) expect(classified.kind).toMatch(/^(unknown-authority|expired|name-mismatch|not-tls)$/);
    expect(classified.message).toMatch(message);
  });

  it.each([
    [error('ECONNREFUSED'), /^proxy: connection refused by the proxy http:\/\/proxy:3128$/],
    [error('UND_ERR_ABORTED', 'Proxy response (407) !== 200 when HTTP Tunneling'), /^proxy: http:\/\/proxy:3128 could not connect/],
    [error('ENOTFOUND'), /^DNS: cannot resolve the proxy http:\/\/proxy:3128 or reg\.example:5000$/],
    // The error names its peer: the registry itself, reached around the proxy (NO_PROXY).
    [
      error('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5000', { address: '10.0.0.5', port: 5000 }),
      /^connection refused by reg\.example:5000: is the registry running/,
    ],
    [error('ENOTFOUND', 'getaddrinfo ENOTFOUND reg.example', { hostname: 'reg.example' }), /^DNS: cannot resolve reg\.example:5000$/],
    [error('ENOTFOUND', 'getaddrinfo ENOTFOUND', { hostname: 'proxy' }), /^DNS: cannot resolve the proxy http:\/\/proxy:3128 or/],
    [error('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.9:3128', { address: '10.0.0.9', port: 3128 }), /^proxy: connection refused by the proxy/],
  ])('through a proxy: %s', (input, message) => {
    expect(classifyNetError(input, { ...context, proxy: 'http://proxy:3128' }).message).toMatch(message);
  });
});

describe('sanitizeRegistryText: registry text that dcm prints', () => {
  const secret = 'hunter2-correct-horse-battery';
  const basic = Buffer.from(`erin:${secret}`).toString('base64');
  const withheld = "(the registry's message is not shown: it quotes the credentials that were sent)";
  it.each([
    ['plain message', 'unauthorized: authentication required', 'unauthorized: authentication required'],
    ['newlines and escapes flattened', 'line one\n\u001b[31mline two\r\n', 'line one [31mline two'],
    ['bounded', 'x'.repeat(500), `${'x'.repeat(199)}…`],
    ['echoes the Basic header', `bad credentials: Basic ${basic}`, withheld],
    ['echoes the password', `password ${secret} is wrong`, withheld],
    ['echoes a truncated header', `got ${basic.slice(0, 20)}`, withheld],
    ['echoes the form-encoded token', `bad form refresh_token=${encodeURIComponent(secret)}`, withheld],
    ['echoes across a line break', `Basic ${basic.slice(0, 14)}\n${basic.slice(14)}`, withheld],
  ])('%s', (_name, text, expected) => {
    const secrets = [secret, basic, `erin:${secret}`, encodeURIComponent(secret)];
    expect(sanitizeRegistryText(text, secrets)).toBe(expected);
  });
});
