/** `dcm mirror ls | check | add | rm`: flags, help and examples; the work is in run.ts, loaded when a command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import { withRegistryOptions, type OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declareGroup(parent: Command) {
  return parent
    .command('mirror')
    .description('Docker Hub mirrors: list them, check that each serves pulls and who it gets credentials from, add or remove one')
    .addHelpText(
      'after',
      `
Mirrors are read from daemon.json's registry-mirrors (dockerd), hosts.toml for docker.io (Docker 29
and containerd), buildkitd.toml (BuildKit) and registries.conf (podman, skopeo), system-wide and
rootless. Which credentials reach a mirror depends on the client: the classic image store hands it
your Docker Hub login, the containerd image store (Docker 29's default) sends none, BuildKit and
podman send the login for the mirror's own host.

Examples:
  $ dcm mirror ls
  $ dcm mirror check --json
  $ sudo dcm mirror add https://mirror.example.com
  $ sudo dcm mirror rm https://mirror.example.com`,
    );
}

function declareLs(group: Command) {
  return group
    .command('ls')
    .description('list every Docker Hub mirror configured on this machine, and where')
    .option('--daemon-config <path>', "the Docker daemon's daemon.json (default: /etc/docker/daemon.json, or the rootless one)")
    .option('--json', 'print [{"url","source","path","clients"}]')
    .addHelpText(
      'after',
      `
source is daemon.json, hosts.toml, buildkitd.toml or registries.conf; clients names who uses the
entry: dockerd, containerd, buildkit, podman. A file that cannot be parsed is one warning line.

Examples:
  $ dcm mirror ls
  $ dcm mirror ls --json | jq -r '.[].url'

${exitCodesHelp(['ok', 'usage'], { usage: 'a mirror configuration file could not be read or parsed' })}`,
    );
}

function declareCheck(group: Command) {
  return withRegistryOptions(
    group
      .command('check')
      .description('check that each mirror answers as a registry, gets the credentials it needs, and serves a current image')
      .argument('[urls...]', 'mirrors to check (default: every configured one)')
      .option('--image <name>', 'the official image whose manifest is asked for with one HEAD (default library/alpine:latest)')
      .option('--json', 'print {"ok","results":[{"url","ok","status","message","auth","digest","upstreamDigest","durationMs"}]}'),
  ).addHelpText(
    'after',
    `
Per mirror, at once, each with --timeout: DNS and connect, TLS (certs.d and --cert-dir CAs), GET /v2/,
whether it asks for credentials and whether each client that uses it would send some, then one HEAD
of the image's manifest (no pull is spent; dcm never GETs a manifest) for its digest and the time.
The same HEAD at Docker Hub tells whether the mirror's copy is current; when Docker Hub cannot be
reached, staleness is not checked and a note says so.
status: ok, stale, credentials, network, tls, registry, not-found.

Examples:
  $ dcm mirror check
  $ dcm mirror check https://mirror.example.com --image library/busybox:latest --json

${exitCodesHelp(['ok', 'notFound', 'usage', 'credentials', 'network', 'tls', 'registry'], { ok: 'every mirror serves pulls', notFound: 'a mirror does not have the image', registry: 'not a registry, failing, or stale' })}`,
  );
}

function declareAdd(group: Command) {
  return withRegistryOptions(
    group
      .command('add')
      .description("add a mirror to daemon.json's registry-mirrors, after checking it")
      .argument('<url>', 'the mirror, http:// or https://, a path allowed')
      .option('--no-check', 'add it without checking it first'),
  ).addHelpText(
    'after',
    `
The URL is validated with the daemon's own rules (http or https, no credentials, no query or
fragment). Every other key and the file's indentation are kept; the first change leaves
daemon.json.dcm-backup; the write is atomic; adding a mirror that is there changes nothing.
dcm never restarts or signals the daemon: it prints the command that makes it read the change.
/etc/docker/daemon.json needs root: without it, nothing is changed and the sudo command is shown.

Examples:
  $ sudo dcm mirror add https://mirror.example.com
  $ dcm mirror add http://127.0.0.1:5000 --daemon-config ~/.config/docker/daemon.json --no-check

${exitCodesHelp(['ok', 'failure', 'usage', 'credentials', 'network', 'tls', 'registry'], { ok: 'added, or already there', failure: 'daemon.json could not be written (needs root)', usage: 'an invalid URL, or a daemon.json that is not JSON (left untouched)' })}`,
  );
}

function declareRm(group: Command) {
  return group
    .command('rm')
    .description("remove a mirror from daemon.json's registry-mirrors")
    .argument('<url>', 'the mirror, as listed (a trailing slash does not matter)')
    .option('--daemon-config <path>', "the Docker daemon's daemon.json (default: /etc/docker/daemon.json, or the rootless one)")
    .addHelpText(
      'after',
      `
Examples:
  $ sudo dcm mirror rm https://mirror.example.com

${exitCodesHelp(['ok', 'failure', 'usage'], { ok: 'removed, or not there', failure: 'daemon.json could not be written (needs root)', usage: 'a daemon.json that is not JSON (left untouched)' })}`,
    );
}

export type MirrorLsOptions = OptionsOf<typeof declareLs>;
export type MirrorCheckOptions = OptionsOf<typeof declareCheck>;
export type MirrorAddOptions = OptionsOf<typeof declareAdd>;
export type MirrorRmOptions = OptionsOf<typeof declareRm>;

export function declareMirror(parent: Command, ctx: CommandContext): void {
  const group = declareGroup(parent);
  declareLs(group).action(async (options) => (await import('./run.ts')).mirrorLs(options, ctx));
  declareCheck(group).action(async (urls, options) => (await import('./run.ts')).mirrorCheck(urls, options, ctx));
  declareAdd(group).action(async (url, options) => (await import('./run.ts')).mirrorAdd(url, options, ctx));
  declareRm(group).action(async (url, options) => (await import('./run.ts')).mirrorRm(url, options, ctx));
}
