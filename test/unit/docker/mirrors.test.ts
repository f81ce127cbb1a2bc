/**
 * Mirror decisions, each from a named one-line table: the daemon's URL rules, the four formats,
 * which image store dockerd uses, and who sends a mirror which credentials.
 */
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { credentialPlan, mirrorSurprises } from '../../../src/cli/mirrors.ts';
import { imageOf } from '../../../src/cli/commands/mirror/run.ts';
import {
  buildkitMirrors,
  displayMirror,
  credentialsSentBy,
  hostsTomlMirrors,
  imageStoreOf,
  registriesConfMirrors,
  registryMirrors,
  sameMirror,
  validateMirror,
  type ImageStore,
  type MirrorClient,
} from '../../../src/docker/mirrors.ts';

describe('validateMirror: the daemon’s rules and messages', () => {
  it.each([
    ['https, no slash', 'https://mirror.example.com', 'https://mirror.example.com/'],
    ['http with a port', 'http://127.0.0.1:5000/', 'http://127.0.0.1:5000/'],
    ['a path (Nexus, Artifactory)', 'https://nexus.example/repository/hub', 'https://nexus.example/repository/hub/'],
    ['upper-case host', 'https://Mirror.Example.COM', 'https://mirror.example.com/'],
    ['surrounding spaces', '  https://m.example  ', 'https://m.example/'],
  ])('%s: %s → %s', (_name, raw, expected) => expect(validateMirror(raw)).toBe(expected));

  it.each([
    ['no scheme', 'mirror.example.com', "invalid mirror: no scheme specified for \"mirror.example.com\": must use either 'https://' or 'http://'"],
    ['another scheme', 'ftp://m.example', 'invalid mirror: unsupported scheme "ftp" in "m.example": must use either \'https://\' or \'http://\''],
    ['credentials', 'https://u:p@m.example', 'invalid mirror: username/password not allowed in URI'],
    ['a query', 'https://m.example/?a=1', 'invalid mirror: query or fragment at end of the uri: https://m.example/?a=1'],
    ['a fragment', 'https://m.example/#x', 'invalid mirror: query or fragment at end of the uri: https://m.example/#x'],
    ['oversized', `https://${'a'.repeat(3000)}`, 'invalid mirror: longer than 2048 characters'],
    ['user:password@host reads as a scheme: the password is not echoed', 'me:s3cret-pw@mirror.example', 'invalid mirror: unsupported scheme "me" in ""'],
    ['a scheme-relative URL with a password (not echoed)', '//me:s3cret-pw@mirror.example', 'invalid mirror: no scheme specified for "//mirror.example"'],
  ])('%s: refused', (_name, raw, message) => expect(() => validateMirror(raw)).toThrow(message));

  it.each([
    ['https://m.example', 'https://m.example/', true],
    ['https://M.example/', 'https://m.example', true],
    ['https://m.example/hub', 'https://m.example/hub/', true],
    ['https://m.example', 'http://m.example', false],
    ['https://m.example/a', 'https://m.example/b', false],
  ])('sameMirror(%s, %s) = %s', (a, b, expected) => expect(sameMirror(a, b)).toBe(expected));
});

describe('displayMirror: what may be shown of a mirror', () => {
  it.each([
    ['a plain URL', 'https://m.example/hub', 'https://m.example/hub'],
    ['credentials cut out', 'https://me:pw@m.example/', 'https://m.example/'],
    ['credentials without a scheme', 'me:pw@m.example', 'm.example'],
    ['an @ in the path is kept', 'https://m.example/a@b', 'https://m.example/a@b'],
    ['bounded', `https://${'a'.repeat(300)}`, `https://${'a'.repeat(192)}`],
  ])('%s', (_name, raw, expected) => expect(displayMirror(raw)).toBe(expected));
});

describe('the four formats', () => {
  it.each([
    ['strings, trimmed', { 'registry-mirrors': [' https://a/ ', 'https://b'] }, ['https://a/', 'https://b']],
    ['not a list', { 'registry-mirrors': 'https://a' }, []],
    ['no key', {}, []],
    ['non-strings skipped', { 'registry-mirrors': [1, null, '', 'https://c'] }, ['https://c']],
  ])('daemon.json, %s', (_name, config, expected) => expect(registryMirrors(config)).toEqual(expected));

  it.each([
    [
      'pull mirrors in order, push-only skipped',
      '[host."https://a"]\ncapabilities=["pull","resolve"]\n[host."https://b"]\ncapabilities=["push"]\n[host."c.example"]\n',
      ['https://a', 'https://c.example'],
    ],
    ['only a server', 'server = "https://registry-1.docker.io"\n', []],
  ])('hosts.toml, %s', (_name, toml, expected) => expect(hostsTomlMirrors(parse(toml))).toEqual(expected));

  it.each([
    [
      'host[/path] entries, http from the mirror’s own table',
      '[registry."docker.io"]\nmirrors=["m:5000","h.example/proxy"]\n[registry."m:5000"]\nhttp=true\n',
      ['http://m:5000', 'https://h.example/proxy'],
    ],
    ['another registry’s mirrors are not Hub’s', '[registry."quay.io"]\nmirrors=["q.example"]\n', []],
  ])('buildkitd.toml, %s', (_name, toml, expected) => expect(buildkitMirrors(parse(toml))).toEqual(expected));

  it.each([
    [
      'docker.io by prefix',
      '[[registry]]\nprefix="docker.io"\nlocation="docker.io"\n[[registry.mirror]]\nlocation="m.example/hub"\n',
      ['https://m.example/hub'],
    ],
    ['docker.io/library, insecure', '[[registry]]\nlocation="docker.io/library"\n[[registry.mirror]]\nlocation="m:5000"\ninsecure=true\n', ['http://m:5000']],
    ['quay.io is not Hub', '[[registry]]\nprefix="quay.io"\n[[registry.mirror]]\nlocation="q.example"\n', []],
    ['no registries', 'unqualified-search-registries=["docker.io"]\n', []],
  ])('registries.conf, %s', (_name, toml, expected) => expect(registriesConfMirrors(parse(toml))).toEqual(expected));
});

describe('which image store, and who sends which credentials', () => {
  it.each([
    ['the flag on', { features: { 'containerd-snapshotter': true } }, '28.0.1', 'containerd'],
    ['the flag off, Docker 29', { features: { 'containerd-snapshotter': false } }, '29.1.0', 'classic'],
    ['no flag, Docker 28', {}, '28.5.2', 'classic'],
    ['no flag, Docker 29', {}, '29.0.0', 'containerd'],
    ['no flag, no version', {}, undefined, 'containerd'],
  ])('%s → %s', (_name, config, version, store) => expect(imageStoreOf(config, version).store).toBe(store));

  it.each([
    ['dockerd', 'classic', 'hub-login'],
    ['dockerd', 'containerd', 'none'],
    // Docker's hosts.toml is read by the containerd image store only, whatever daemon.json says (issue 19, item 4).
    ['dockerd-containerd', 'classic', 'none'],
    ['dockerd-containerd', 'containerd', 'none'],
    ['buildkit', 'classic', 'mirror-login'],
    ['podman', 'containerd', 'mirror-login'],
    ['containerd', 'classic', 'mirror-login'],
  ])('%s with the %s store sends: %s', (client, store, expected) => expect(credentialsSentBy(client as MirrorClient, store as ImageStore)).toBe(expected));

  const hub = { username: 'hubuser', secret: 'h' };
  const own = { username: 'mirroruser', secret: 'm' };
  it.each([
    ['classic dockerd with a Hub login', ['dockerd'], 'classic', { hub }, 'the classic image store (dockerd)'],
    ['containerd store', ['dockerd'], 'containerd', { hub }, 'it demands credentials: the containerd image store (dockerd) sends mirrors no credentials'],
    [
      "Docker's hosts.toml, classic store in daemon.json, with a Hub login",
      ['dockerd-containerd'],
      'classic',
      { hub },
      "it demands credentials: the containerd image store (dockerd, from Docker's hosts.toml) sends mirrors no credentials",
    ],
    [
      'classic dockerd, no Hub login',
      ['dockerd'],
      'classic',
      {},
      'it demands credentials: the classic image store (dockerd) sends it your Docker Hub login, and there is none (dcm login)',
    ],
    ['BuildKit with the mirror’s login', ['buildkit'], 'containerd', { mirror: own }, 'BuildKit'],
    [
      'podman without one',
      ['podman'],
      'classic',
      { hub },
      'it demands credentials: podman and skopeo sends it the login for m.example, and there is none (dcm login m.example)',
    ],
  ])('credentialPlan: %s', (_name, clients, store, logins, expected) => {
    const plan = credentialPlan({ clients: clients as MirrorClient[] }, store as ImageStore, { ...logins, host: 'm.example' });
    expect('none' in plan ? plan.none : plan.from).toBe(expected);
  });

  it.each([
    ['classic store, Hub login: handed to the mirror', 'classic', 'hubuser', [], 1],
    ['containerd store: nothing handed', 'containerd', 'hubuser', [], 0],
    ['no Hub login: nothing handed', 'classic', undefined, [], 0],
    ['a login for the mirror that dockerd never uses', 'containerd', undefined, ['m.example'], 1],
  ])('mirrorSurprises: %s', (_name, store, hubUser, mirrorLogins, count) => {
    const rows = [{ url: 'https://m.example/', clients: ['dockerd' as const] }];
    expect(mirrorSurprises(rows, store as ImageStore, { ...(hubUser ? { hubUser } : {}), mirrorLogins: new Set(mirrorLogins) })).toHaveLength(count);
  });

  it.each([
    ['alpine', ['library/alpine', 'latest']],
    ['alpine:3.20', ['library/alpine', '3.20']],
    ['library/busybox:latest', ['library/busybox', 'latest']],
    ['org/image:v1', ['org/image', 'v1']],
  ])('imageOf(%s)', (image, expected) => expect(imageOf(image)).toEqual(expected));
  it.each([['Alpine'], [''], ['a:b:c'], ['../x']])('imageOf(%j) is a usage error', (image) => expect(() => imageOf(image)).toThrow(/is not an image name/));
});
