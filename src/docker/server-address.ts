/**
 * Server-address normalisation, shared by the credential helper and the CLI. Pure.
 *
 * Docker sends `https://index.docker.io/v1/` for Docker Hub and bare `host[:port]` for every
 * other registry (`credentials.ConvertToHostname` in docker/cli), but older clients and other
 * tools (compose-py, oras, testcontainers) send `https://host`, `http://host/`, full URLs or
 * mixed-case hosts. dcm maps every spelling of one registry to one canonical key, on store, get
 * and erase alike, so that one registry is one keychain entry.
 */
import { domainToASCII } from 'node:url';
import { InvalidInput, MissingServerUrl } from '../errors.ts';

/** The key Docker uses for Docker Hub (`internal/registry/config.go` IndexServer). */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/**
 * The entries Docker's device-code login keeps beside the Hub login itself (docs/helper-protocol.md,
 * "Identity tokens"); `docker logout` erases them too.
 */
export const DOCKER_HUB_TOKEN_KEYS = [`${DOCKER_HUB_KEY}access-token`, `${DOCKER_HUB_KEY}refresh-token`] as const;

/** Docker's marker username: the secret is an identity (refresh) token, not a password. */
export const TOKEN_USERNAME = '<token>';

/** Hosts that all mean Docker Hub. */
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** Longest server address we accept; real ones are a few dozen bytes. */
const MAX_SERVER_URL_LENGTH = 2048;

/**
 * The canonical key for a server address:
 * - Docker Hub in any spelling → `https://index.docker.io/v1/`. Docker's device-code login also
 *   keeps `https://index.docker.io/v1/access-token` and `.../refresh-token`: a Hub address with a
 *   path below `/v1/` keeps that path, or those tokens would overwrite the login itself.
 * - Any other registry → lower-case `host[:port]`; scheme, path, query, trailing slash and the
 *   default port (443, or 80 with `http://`) are dropped.
 */
export function normaliseServerUrl(raw: string): string {
  const input = raw.trim();
  if (input === '') throw new MissingServerUrl();
  if (input.length > MAX_SERVER_URL_LENGTH) {
    throw new InvalidInput(`invalid server URL: longer than ${MAX_SERVER_URL_LENGTH} characters`);
  }
  // Control characters and inner whitespace never belong in a registry address, and would
  // make a key that prints confusingly in `list`.
  if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(input)) {
    throw new InvalidInput('invalid server URL: contains whitespace or control characters');
  }

  const { scheme, authority, path } = splitAddress(input);
  refuseNonAsciiHost(authority);
  const { host, port } = splitHostPort(authority.toLowerCase());
  if (host === '' || !/^(\[[0-9a-f:.%a-z]+\]|[a-z0-9._-]+|[0-9a-f:]+)$/.test(host)) {
    throw new InvalidInput('invalid server URL: no valid host name');
  }
  if (port !== '' && (!/^\d{1,5}$/.test(port) || Number(port) > 65535)) {
    throw new InvalidInput('invalid server URL: invalid port');
  }

  const defaultPort = scheme === 'http' ? '80' : '443';
  const keepPort = port !== '' && port !== defaultPort;

  if (DOCKER_HUB_HOSTS.has(host) && !keepPort) {
    const sub = /^\/v1\/([^?#]+?)\/*$/.exec(path);
    return sub ? `${DOCKER_HUB_KEY}${sub[1]}` : DOCKER_HUB_KEY;
  }
  return keepPort ? `${host}:${port}` : host;
}

/**
 * Registry host names are ASCII. Lower-casing or IDNA-mapping some other characters yields
 * another registry's ASCII name (the Kelvin sign U+212A lower-cases to `k`, so `\u212Aey.io`
 * would become `key.io`): such a host is refused, rather than served another registry's login.
 */
function refuseNonAsciiHost(authority: string): void {
  if (!/[^\x00-\x7f]/.test(authority)) return;
  const host = authority.replace(/:\d*$/, '');
  const mapped = domainToASCII(host.toLowerCase());
  const aliases = mapped !== '' && !mapped.split('.').some((label) => label.startsWith('xn--'));
  throw new InvalidInput(
    aliases
      ? `invalid server URL: its host has non-ASCII characters that read as ${JSON.stringify(mapped)}, another registry's name; type the address in ASCII`
      : 'invalid server URL: the host has non-ASCII characters; use its ASCII (xn--) form',
  );
}

function splitAddress(input: string): { scheme: string; authority: string; path: string } {
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input);
  const scheme = schemeMatch?.[1]?.toLowerCase() ?? '';
  const rest = schemeMatch ? input.slice(schemeMatch[0].length) : input.replace(/^\/\//, '');
  const cut = rest.search(/[/?#]/);
  const authority = cut === -1 ? rest : rest.slice(0, cut);
  const path = cut === -1 ? '' : rest.slice(cut);
  // Credentials in the address (`https://user:pw@host`) are never part of the key.
  const at = authority.lastIndexOf('@');
  return { scheme, authority: at === -1 ? authority : authority.slice(at + 1), path };
}

function splitHostPort(authority: string): { host: string; port: string } {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end === -1) return { host: '', port: '' };
    const after = authority.slice(end + 1);
    return { host: authority.slice(0, end + 1), port: after.startsWith(':') ? after.slice(1) : after === '' ? '' : 'x' };
  }
  const colons = authority.split(':').length - 1;
  if (colons > 1) {
    // An unbracketed IPv6 literal (`https://::1:8080/...` in the reference helpers' tests): the
    // last group cannot be told from a port, so the whole literal is the host, bracketed.
    return { host: `[${authority}]`, port: '' };
  }
  const [host = '', port = ''] = authority.split(':');
  return { host, port };
}
