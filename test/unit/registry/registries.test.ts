/**
 * The per-registry decisions, each from a named one-line table: which registry a host (or a
 * self-hosted registry's challenge) is, what dcm says when it refuses credentials, when a secret
 * expires, which addresses a token realm may lead to, and which registries daemon.json declares
 * insecure.
 */
import { describe, expect, it } from 'vitest';
import { inCidr, matchesInsecure } from '../../../src/docker/daemon-config.ts';
import { addressKind, mayReach, type AddressKind } from '../../../src/registry/endpoint.ts';
import { describeExpiry, expiryStatus, jwtExpiry, parseDuration, secretExpiry } from '../../../src/registry/expiry.ts';
import { rejectionAdvice } from '../../../src/registry/login.ts';
import { ACR_TOKEN_USERNAME, profileFor, type ChallengeHint } from '../../../src/registry/profiles.ts';
import { ecrToken, jwt } from '../../helpers/tokens.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe('profileFor: which registry a host is', () => {
  it.each([
    ['Docker Hub', 'https://index.docker.io/v1/', undefined, 'docker-hub'],
    ['GHCR', 'ghcr.io', undefined, 'ghcr'],
    ['ECR private', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', undefined, 'ecr'],
    ['ECR in China', '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', undefined, 'ecr'],
    ['ECR dual-stack', '123456789012.dkr-ecr.us-east-1.on.aws', undefined, 'ecr'],
    ['ECR FIPS', '123456789012.dkr.ecr-fips.us-east-1.amazonaws.com', undefined, 'ecr'],
    ['not ECR: 11-digit account', '12345678901.dkr.ecr.eu-west-1.amazonaws.com', undefined, 'generic'],
    ['ECR Public', 'public.ecr.aws', undefined, 'ecr-public'],
    ['ACR', 'myregistry.azurecr.io', undefined, 'acr'],
    ['ACR in Azure China', 'myregistry.azurecr.cn', undefined, 'acr'],
    ['not ACR: a look-alike', 'azurecr.io.example.com', undefined, 'generic'],
    ['Artifact Registry', 'europe-west1-docker.pkg.dev', undefined, 'gar'],
    ['GCR', 'gcr.io', undefined, 'gcr'],
    ['GCR regional', 'eu.gcr.io', undefined, 'gcr'],
    ['Quay', 'quay.io', undefined, 'quay'],
    ['GitLab.com', 'registry.gitlab.com', undefined, 'gitlab'],
    [
      'self-hosted GitLab, by its challenge',
      'registry.corp.example',
      { realm: 'https://gitlab.corp.example/jwt/auth', service: 'container_registry' },
      'gitlab',
    ],
    ['Harbor, by its challenge', 'harbor.corp.example', { realm: 'https://harbor.corp.example/service/token', service: 'harbor-registry' }, 'harbor'],
    [
      'Nexus, by its challenge',
      'nexus.corp.example:8443',
      { realm: 'https://nexus.corp.example:8443/v2/token', service: 'https://nexus.corp.example:8443/v2/token' },
      'nexus',
    ],
    ['CNCF registry with its token service', 'registry.corp.example', { realm: 'https://auth.corp.example/token', service: 'registry' }, 'generic'],
    ['a challenge does not override a known host', 'ghcr.io', { realm: 'https://ghcr.io/service/token', service: 'harbor-registry' }, 'ghcr'],
  ])('%s: %s', (_name, key, challenge, id) => expect(profileFor(key, challenge as ChallengeHint | undefined).id).toBe(id));
});

describe('rejectionAdvice: what dcm says when a registry refuses credentials', () => {
  const advice = (key: string, username: string, secret: string, expired: boolean, challenge?: ChallengeHint) =>
    rejectionAdvice(profileFor(key, challenge), key, { username, secret, expired });
  const harbor = { realm: 'https://h.example/service/token', service: 'harbor-registry' };
  it.each([
    [
      'ECR expired: the refresh command with the region',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'AWS',
      'x',
      true,
      undefined,
      'get a new one: aws ecr get-login-password --region eu-west-1 | dcm login 123456789012.dkr.ecr.eu-west-1.amazonaws.com -u AWS --password-stdin',
    ],
    ['ECR with another username', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'admin', 'x', false, undefined, 'ECR takes the username AWS, not "admin"'],
    [
      'ECR Public expired',
      'public.ecr.aws',
      'AWS',
      'x',
      true,
      undefined,
      'get a new one: aws ecr-public get-login-password --region us-east-1 | dcm login public.ecr.aws -u AWS --password-stdin',
    ],
    [
      'ACR token with a user name',
      'myreg.azurecr.io',
      'me',
      jwt({ exp: 1 }),
      false,
      undefined,
      `a token from az acr login --expose-token goes with the username ${ACR_TOKEN_USERNAME}`,
    ],
    [
      'ACR expired',
      'myreg.azurecr.io',
      ACR_TOKEN_USERNAME,
      jwt({ exp: 1 }),
      true,
      undefined,
      `get a new one: az acr login --name myreg --expose-token --output tsv --query accessToken | dcm login myreg.azurecr.io -u ${ACR_TOKEN_USERNAME} --password-stdin`,
    ],
    [
      'GAR expired',
      'us-docker.pkg.dev',
      'oauth2accesstoken',
      'ya29.x',
      true,
      undefined,
      'get a new one: gcloud auth print-access-token | dcm login us-docker.pkg.dev -u oauth2accesstoken --password-stdin',
    ],
    [
      'GCR with a cut JSON key',
      'gcr.io',
      '_json_key',
      '{"type": "service_account",',
      false,
      undefined,
      'the _json_key password must be the whole service-account key file; it was cut or changed on the way: pass the file itself (dcm login -u _json_key --password-stdin HOST < key.json)',
    ],
    [
      'GCR with a whole JSON key, wrong',
      'gcr.io',
      '_json_key',
      '{"type":"service_account"}',
      false,
      undefined,
      "Google Container Registry takes oauth2accesstoken and a token from gcloud auth print-access-token, _json_key with the whole service-account key file (or _json_key_base64 with it in base64), or the _dcgcloud_token / _dcgcr_..._token usernames gcloud's credential helpers use",
    ],
    [
      'GHCR: what it takes',
      'ghcr.io',
      'octocat',
      'ghp_x',
      false,
      undefined,
      'GitHub Container Registry takes any username and a personal access token (classic) with read:packages, or GITHUB_TOKEN in Actions',
    ],
    [
      'Harbor robot that lost its $name',
      'harbor.example',
      'robot',
      's',
      false,
      harbor,
      `"robot" looks like a Harbor robot name whose "$..." a shell expanded: robot accounts are named robot$name; quote the name in single quotes ('robot$name'), or write $$ in GitLab CI and Compose files`,
    ],
    [
      'Harbor project robot that lost its $project',
      'harbor.example',
      'robot+ci',
      's',
      false,
      harbor,
      `"robot+ci" looks like a Harbor robot name whose "$..." a shell expanded: robot accounts are named robot$name; quote the name in single quotes ('robot$name'), or write $$ in GitLab CI and Compose files`,
    ],
    [
      'Harbor robot named right',
      'harbor.example',
      'robot$ci',
      's',
      false,
      harbor,
      'Harbor takes a Harbor user and password, or a robot account (robot$name) and its secret',
    ],
    ['Quay: robots', 'quay.io', 'org+bot', 's', false, undefined, 'Quay takes your Quay username and password, or a robot account (org+robot) and its token'],
    [
      'GitLab expired job token',
      'registry.gitlab.com',
      'gitlab-ci-token',
      's',
      true,
      undefined,
      'get a new one: echo "$CI_REGISTRY_PASSWORD" | dcm login registry.gitlab.com -u "$CI_REGISTRY_USER" --password-stdin',
    ],
    [
      'Docker Hub: an email, not a Docker ID',
      'https://index.docker.io/v1/',
      'me@example.com',
      's',
      false,
      undefined,
      'Docker Hub takes your Docker ID, not your email address: log in with the name shown on hub.docker.com',
    ],
    [
      'Docker Hub: what it takes',
      'https://index.docker.io/v1/',
      'me',
      's',
      false,
      undefined,
      "Docker Hub takes your Docker ID (not your email address) and a personal access token (dckr_pat_...) or password; for an organization access token (dckr_oat_...), the organization's name",
    ],
    [
      'Docker Hub, an organization access token under a user name: the trap named (issue 22, item 16)',
      'https://index.docker.io/v1/',
      'me',
      'dckr_oat_7f3Qx',
      false,
      undefined,
      'a dckr_oat_ token is an organization access token: it signs in with the organization\'s name as the username, not "me"',
    ],
    [
      'an identity token',
      'registry.example',
      '<token>',
      's',
      false,
      undefined,
      'the stored identity token is no longer accepted: log in again (dcm login registry.example)',
    ],
    ['a registry dcm knows nothing of', 'registry.example', 'me', 's', false, undefined, 'check the username and password'],
    ['a registry dcm knows nothing of, expired', 'registry.example', 'me', 's', true, undefined, 'log in again: dcm login registry.example'],
  ])('%s', (_name, key, username, secret, expired, challenge, expected) => expect(advice(key, username, secret, expired, challenge)).toBe(expected));
});

describe('secretExpiry: when a secret says it stops working', () => {
  it.each([
    ['a JWT with exp in the past', jwt({ sub: 'me', exp: at('2026-11-30T12:00:00Z') }), 'generic', '2026-11-30T12:00:00.000Z'],
    ['a JWT with exp in the future', jwt({ exp: at('2026-12-01T15:00:00Z') }), 'acr', '2026-12-01T15:00:00.000Z'],
    ['a JWT without exp', jwt({ sub: 'me' }), 'generic', undefined],
    ['a JWT with a string exp', jwt({ exp: '1767225600' }), 'generic', undefined],
    ['a JWT with an absurd exp', jwt({ exp: 1e20 }), 'generic', undefined],
    ['a GitLab job token (glcbt- prefix)', `glcbt-${jwt({ exp: at('2026-12-01T13:00:00Z') })}`, 'gitlab', '2026-12-01T13:00:00.000Z'],
    ['a JWT whose claims are not JSON', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln', 'generic', undefined],
    ['a JWT whose claims are an array', `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('[1]').toString('base64url')}.c2ln`, 'generic', undefined],
    ['two dots but not a JWT', 'abc.def.ghi', 'generic', undefined],
    ['a password', 'hunter2', 'generic', undefined],
    ['an ECR token at ECR', ecrToken(at('2026-12-01T20:00:00Z')), 'ecr', '2026-12-01T20:00:00.000Z'],
    ['an ECR token at ECR Public', ecrToken(at('2026-12-01T20:00:00Z')), 'ecr-public', '2026-12-01T20:00:00.000Z'],
    // Behind a pull-through proxy or a CNAME, an ECR token is still one (issue 22, item 16).
    ['an ECR token under another host', ecrToken(at('2026-12-01T20:00:00Z')), 'generic', '2026-12-01T20:00:00.000Z'],
    ['base64 JSON that is not an ECR token', Buffer.from(JSON.stringify({ expiration: at('2026-12-01T20:00:00Z') })).toString('base64'), 'generic', undefined],
    ['base64 that is not JSON, at ECR', Buffer.from('not json').toString('base64'), 'ecr', undefined],
  ])('%s', (_name, secret, profile, expected) => expect(secretExpiry(secret, profile as Parameters<typeof secretExpiry>[1])?.toISOString()).toBe(expected));

  it('reads nothing but the expiry', () => {
    const token = jwt({ exp: at('2026-12-02T00:00:00Z'), sub: 'secret-subject', email: 'me@example.com' });
    expect(JSON.stringify(jwtExpiry(token))).not.toMatch(/secret-subject|example/);
  });
});

describe('describeExpiry, expiryStatus, parseDuration', () => {
  it.each([
    ['unknown', undefined, '-'],
    ['in 3 hours', '2026-12-01T15:00:00Z', 'expires in 3h'],
    ['in 20 minutes', '2026-12-01T12:20:00Z', 'expires in 20m'],
    ['in seconds', '2026-12-01T12:00:20Z', 'expires in under a minute'],
    ['2 days ago', '2026-11-29T12:00:00Z', 'expired 2 days ago'],
    ['5 hours ago', '2026-12-01T07:00:00Z', 'expired 5h ago'],
  ])('%s', (_name, iso, expected) => expect(describeExpiry(iso ? new Date(iso) : undefined, NOW)).toBe(expected));

  it.each([
    ['unknown expiry', undefined, '1h', undefined],
    ['past', '2026-12-01T11:00:00Z', '1h', 'expired'],
    ['exactly now', '2026-12-01T12:00:00Z', '1h', 'expired'],
    ['within the window', '2026-12-01T12:30:00Z', '1h', 'expiring'],
    ['at the window edge', '2026-12-01T13:00:00Z', '1h', 'expiring'],
    ['beyond the window', '2026-12-01T13:00:01Z', '1h', undefined],
  ])('%s', (_name, iso, window, expected) => expect(expiryStatus(iso ? new Date(iso) : undefined, NOW, parseDuration(window)!)).toBe(expected));

  it.each([
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['45s', 45_000],
    ['', undefined],
    ['12', undefined],
    ['-1h', undefined],
    ['1.5h', undefined],
    ['1w', undefined],
    ['9999999d', undefined],
  ])('parseDuration(%j) = %s', (raw, expected) => expect(parseDuration(raw)).toBe(expected));
});

describe('the realm guard: address kinds', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9:5000', 'loopback'],
    ['localhost:5000', 'loopback'],
    ['[::1]:5000', 'loopback'],
    ['0.0.0.0', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['[fe80::1]', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1:443', 'private'],
    ['100.100.100.200', 'private'],
    ['[fd00::1]', 'private'],
    ['[::ffff:169.254.169.254]', 'link-local'],
    ['172.32.0.1', 'public'],
    ['8.8.8.8', 'public'],
    ['[2001:db8::1]', 'public'],
    ['auth.docker.io', 'name'],
    ['999.1.1.1', 'name'],
    // IPv4 carried in IPv6: classified as the IPv4 address it reaches (issue 19, item 1).
    ['[::ffff:7f00:1]', 'loopback'],
    ['[::ffff:127.0.0.1]:5000', 'loopback'],
    ['[0:0:0:0:0:ffff:7f00:0001]', 'loopback'],
    ['[::FFFF:A9FE:A9FE]', 'link-local'],
    ['[::ffff:a09:90a]', 'private'],
    ['[::ffff:0:a09:90a]', 'private'],
    ['[::127.0.0.1]', 'loopback'],
    ['[64:ff9b::a9fe:a9fe]', 'link-local'],
    ['[2002:a00:1::1]', 'private'],
    ['[::ffff:808:808]', 'public'],
    ['[::]', 'loopback'],
    ['[::1%lo]', 'loopback'],
    ['[fec0::1]', 'private'],
    ['[ff02::1]', 'private'],
    ['[fe80::1%eth0]', 'link-local'],
    ['0.0.0.0', 'loopback'],
    ['198.18.0.1', 'private'],
    ['255.255.255.255', 'private'],
    ['localhost.', 'loopback'],
    // Bare, as dns.lookup returns them to the guard inside the connection.
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['2001:db8::1', 'public'],
    ['::1', 'loopback'],
  ])('addressKind(%s) = %s', (host, kind) => expect(addressKind(host)).toBe(kind));

  // What the URL parser makes of each spelling is what the guard sees: every one maps inward.
  it.each([
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[0::ffff:127.0.0.1]',
    '[::ffff:0x7f.1]',
    '[::ffff:169.254.169.254]',
    '[::ffff:10.9.9.10]',
    '[0000:0000:0000:0000:0000:ffff:0a09:090a]',
  ])('a URL to %s is never public', (literal) => {
    let host: string;
    try {
      host = new URL(`https://${literal}:8443/token`).host;
    } catch {
      return; // The parser refuses it: no connection can be made to it either.
    }
    expect(addressKind(host)).not.toBe('public');
    expect(addressKind(host)).not.toBe('name');
  });

  it.each([
    ['public registry, public realm', 'public', 'public', true],
    ['public registry, metadata service', 'public', 'link-local', false],
    ['public registry, private realm', 'public', 'private', false],
    ['public registry, loopback realm', 'public', 'loopback', false],
    ['private registry, private realm', 'private', 'private', true],
    ['private registry, loopback realm', 'private', 'loopback', false],
    ['private registry, metadata service', 'private', 'link-local', false],
    ['loopback registry, loopback realm', 'loopback', 'loopback', true],
    ['loopback registry, metadata service', 'loopback', 'link-local', false],
    ['a registry by name behind a proxy, loopback realm', 'name', 'loopback', false],
  ])('%s', (_name, registry, target, allowed) => expect(mayReach(registry as AddressKind, target as AddressKind)).toBe(allowed));
});

describe("daemon.json's insecure-registries", () => {
  it.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['10.1.2.3', '10.1.2.0/24', true],
    ['10.1.3.3', '10.1.2.0/24', false],
    ['192.168.0.1', '0.0.0.0/0', true],
    ['fd00::5', 'fd00::/8', true],
    ['fe80::5', 'fd00::/8', false],
    ['10.1.2.3', 'fd00::/8', false],
    ['10.1.2.3', '10.0.0.0/33', false],
    ['not-an-ip', '10.0.0.0/8', false],
  ])('inCidr(%s, %s) = %s', (address, cidr, expected) => expect(inCidr(address, cidr)).toBe(expected));

  it.each([
    ['a host:port entry', 'registry.corp:5000', ['registry.corp:5000'], 'registry.corp:5000'],
    ['another port', 'registry.corp:5001', ['registry.corp:5000'], undefined],
    ['a host entry, registry without port', 'registry.corp', ['registry.corp'], 'registry.corp'],
    ['a CIDR holding an IP literal', '10.1.2.3:5000', ['10.0.0.0/8'], '10.0.0.0/8'],
    ['a CIDR not holding it', '192.168.1.1:5000', ['10.0.0.0/8'], undefined],
    ['no entries', 'registry.corp', [], undefined],
  ])('%s', async (_name, host, entries, expected) => expect(await matchesInsecure(host, entries)).toBe(expected));
});
