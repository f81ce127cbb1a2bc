/**
 * The management CLI. Commands are declared here (names, options, help); each implementation
 * is imported only when its command runs.
 */
import { Command, CommanderError } from 'commander';
import { DcmError, EXIT_CODES, SilentExit, exitCodeFor, oneLine } from '../errors.ts';
import { VERSION, versionLine } from '../version.ts';
import { ALL_EXIT_CODES, exitCodesHelp } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { withRegistryOptions } from './registry-target.ts';
import { safeWriter } from './terminal.ts';

const HELPER_HELP = `
Examples:
  $ dcm login ghcr.io -u octocat              # verified against the registry, then kept
  $ dcm ls                                    # every login Docker can use, wherever it is kept
  $ dcm check --expiring-within 12h           # in CI: fail before a token runs out
  $ dcm setup                                 # point Docker at dcm ("credsStore": "dcm")
  $ dcm doctor                                # what is wrong, and the command that fixes it
  $ dcm ratelimit --format github             # Docker Hub's pull limit, as step outputs

Credential-helper protocol (what Docker runs; reads stdin, writes stdout):
  dcm store | get | erase | list | version
  Name the binary docker-credential-dcm and set "credsStore": "dcm" in ~/.docker/config.json.
  $ echo ghcr.io | docker-credential-dcm get
  $ docker-credential-dcm list

Environment:
  DCM_STORE                 os, pass or cache for this process (dcm setup --store keeps a choice)
  DCM_CACHE_TTL             how long the cache store keeps a login (30m, 8h, 7d; default 8h)
  DCM_KEYCHAIN_TIMEOUT_MS   longest wait for one keychain call (a locked keychain's prompt)
  DOCKER_CONFIG             Docker's configuration directory (default ~/.docker)
  PASSWORD_STORE_DIR, GNUPGHOME   where the pass store keeps its files and keys
  XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_CACHE_HOME, XDG_RUNTIME_DIR   dcm's settings, index names,
                            unpacked addon, and its lock and cache-agent sockets
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY (any case)   proxies for registry requests, as Docker uses them
  DBUS_SESSION_BUS_ADDRESS  the session bus the Secret Service is reached on (Linux)

${exitCodesHelp(ALL_EXIT_CODES)}`;

/** The whole command tree (exported for completion tests). */
export function buildProgram(io: CliIo): Command {
  const program = new Command('dcm')
    .description('Docker credential helper and login manager on the OS keychain')
    .version(versionLine('dcm'), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpText('after', HELPER_HELP)
    .showHelpAfterError('(run dcm --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  withRegistryOptions(
    program
      .command('login')
      .description('verify a login against the registry, then keep it in the keychain')
      .argument('[server]', 'registry host, default Docker Hub', undefined)
      .option('-u, --username <user>', 'username (prompted for when omitted at a terminal)')
      .option('-p, --password <password>', 'password on the command line (insecure: use --password-stdin)')
      .option('--password-stdin', 'read the password from stdin (one trailing newline is dropped)'),
  )
    .addHelpText(
      'after',
      `
The registry must accept the credentials first: nothing is stored otherwise. A refresh token
returned by the registry's token service is kept instead of the password, as Docker does.
TLS is always verified; Docker's /etc/docker/certs.d/<host[:port]>/*.crt CAs are trusted, and
HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured. Plain HTTP is used for loopback hosts only,
or with --insecure.

Each registry's credentials and traps are known (docs/registries.md): a refusal is exit 3 whether
the registry answers 401, 403 or (ECR) 400, and says what the registry takes, the trap a username
fell into (a Harbor robot$name a shell expanded), or for an expired login the command that gets a
new secret. --password-stdin keeps every byte but one trailing newline: a JSON key file works.
A registry in daemon.json's insecure-registries is treated as --insecure, as Docker treats it.

Examples:
  $ dcm login                                   # Docker Hub, prompts for username and password
  $ echo "$GHCR_TOKEN" | dcm login ghcr.io -u octocat --password-stdin
  $ aws ecr get-login-password --region eu-west-1 | dcm login 123456789012.dkr.ecr.eu-west-1.amazonaws.com -u AWS --password-stdin
  $ dcm login europe-west1-docker.pkg.dev -u _json_key --password-stdin < key.json
  $ dcm login harbor.example -u 'robot$ci' --password-stdin < robot-secret.txt
  $ dcm login myregistry.example:5000 -u me --cert-dir ./certs

${exitCodesHelp(['ok', 'usage', 'credentials', 'network', 'tls', 'threshold', 'registry', 'keychain', 'busy', 'interrupted'], { ok: 'stored', threshold: 'the registry rate-limited the check (HTTP 429)' })}`,
    )
    .action(async (server, options) => (await import('./commands/login.ts')).login(server, options, io));

  program
    .command('logout')
    .description('remove a stored login from the keychain')
    .argument('[server]', 'registry host, default Docker Hub')
    .option('--all', 'remove every stored login')
    .option('--yes', 'with --all: do not ask first at a terminal')
    .addHelpText(
      'after',
      `
--all removes every login the store holds, read from the items themselves (not only the index);
at a terminal it first asks, unless --yes is given.

Examples:
  $ dcm logout ghcr.io
  $ dcm logout --all
  $ dcm logout --all --yes          # a script, or the end of a CI job

${exitCodesHelp(['ok', 'failure', 'usage', 'keychain', 'busy', 'interrupted'], { failure: 'an item another program filed under dcm could not be removed' })}`,
    )
    .action(async (server, options) => (await import('./commands/logout.ts')).logout(server, options, io));

  program
    .command('ls')
    .description('list stored logins (registry, username, kind, source, expiry); never shows secrets')
    .option('--json', 'print [{"registry","username","kind","source","store","expiresAt"}] (username null for identity tokens)')
    .addHelpText(
      'after',
      `
EXPIRES (expiresAt in --json, ISO 8601 UTC or null) is read from the secret itself, without
asking the registry: a JWT's exp (ACR tokens, GitLab job tokens, identity tokens) or an ECR
token's expiration. Only the expiry is read; no other claim of a token is shown. Logins held by
other credential helpers are not read (that could prompt): their expiry is null.

Examples:
  $ dcm ls
  $ dcm ls --json | jq -r '.[].registry'

${exitCodesHelp(['ok', 'usage', 'keychain'])}`,
    )
    .action(async (options) => (await import('./commands/ls.ts')).ls(options, io));

  withRegistryOptions(
    program
      .command('check')
      .description('verify stored logins against their registries, all at once')
      .argument('[servers...]', 'registries to check (default: every stored login)')
      .option('--all', 'check every stored login')
      .option('--expiring-within <duration>', 'fail a login whose secret expires within this window (30m, 12h, 7d), before asking the registry')
      .option('--json', 'print {"ok", "results": [{"registry","username","kind","ok","status","message","expiresAt","durationMs"}]}'),
  )
    .addHelpText(
      'after',
      `
Exits 0 when every login works; otherwise with the exit code of the first failing login's class.
Status values in --json: ok, not-logged-in, expired, expiring, credentials, network, tls,
threshold, registry, usage, keychain, failure. expired and expiring exit 3, as credentials do.
expiresAt comes from the secret itself (a JWT's exp, an ECR token's expiration), or is null.
A refused login names what the registry takes and, when it expired, the command that gets a new
secret (aws ecr get-login-password, az acr login --expose-token, gcloud auth print-access-token).

Examples:
  $ dcm check                  # every stored login
  $ dcm check ghcr.io docker.io --json
  $ dcm check --expiring-within 2h    # in CI: refresh before the pipeline breaks

${exitCodesHelp(['ok', 'notFound', 'usage', 'credentials', 'network', 'tls', 'threshold', 'registry', 'keychain'], { ok: 'every login works' })}`,
    )
    .action(async (servers, options) => (await import('./commands/check.ts')).check(servers, options, io));

  withRegistryOptions(
    program
      .command('ratelimit')
      .description("report Docker Hub's pull rate limit for this address or the stored account")
      .option('--registry <host>', 'registry host (default registry-1.docker.io); for mirrors that pass the headers on')
      .option('--repository <name>', 'repository whose latest manifest is checked (default ratelimitpreview/test)')
      .option('--anonymous', 'ignore stored credentials: check the per-address limit')
      .option('-u, --username <user>', 'check as this account, with the password or token read from stdin (--password-stdin); nothing is stored')
      .option('--password-stdin', 'read the password or token for --username from stdin (one trailing newline is dropped)')
      .option('--json', 'same as --format json')
      .option('--format <format>', 'text, json, prometheus or github (default text)')
      .option('--fail-under <n>', `exit ${EXIT_CODES.threshold} when fewer than N pulls remain (output is printed all the same)`)
      .option('--output <file>', 'with --format prometheus: replace FILE atomically; a failed check writes dcm_ratelimit_success 0'),
  )
    .addHelpText(
      'after',
      `
One check costs one token request and one HEAD of the manifest: a HEAD is not a pull, and dcm
never GETs a manifest. Checking is itself rate limited (one user was limited for HEADs every
1.5 s): once per CI job, or every few minutes for monitoring, is plenty.

--json prints one object: {"registry","repository","authenticated","account","limit",
"remaining","windowSeconds","source","unlimited"}; numbers as numbers, null where unknown.
"source" is the IP address for anonymous pulls and an account id for signed-in ones: it tells
whether pulls are really authenticated. No limit headers means not metered ("unlimited": true).
--format prometheus prints gauges for node_exporter's textfile collector; --format github
appends limit, remaining, window-seconds (and source, authenticated, unlimited) to
$GITHUB_OUTPUT and prints a ::warning:: annotation when below the threshold (--fail-under, or
20% of the limit).

${exitCodesHelp(['ok', 'threshold', 'usage', 'credentials', 'network', 'tls', 'registry', 'keychain'], { ok: 'checked', threshold: 'fewer than --fail-under pulls remain, or rate limited' })}

Examples:
  $ dcm ratelimit
  $ dcm ratelimit --anonymous --json
  $ echo "$DOCKERHUB_TOKEN" | dcm ratelimit -u myuser --password-stdin --json   # a one-off check in CI
  $ dcm ratelimit --format github --fail-under 10
  $ dcm ratelimit --format prometheus --output /var/lib/node_exporter/textfile/dockerhub.prom`,
    )
    .action(async (options) => (await import('./commands/ratelimit.ts')).ratelimit(options, io));

  withRegistryOptions(
    program
      .command('migrate')
      .description('move every credential out of config.json into the keychain')
      .option('--dry-run', 'say what would move; change nothing')
      .option('--verify', 'check each against its registry first; keep the failing ones in place')
      .option('--from-store <name>', "move dcm's logins from this store (os, pass) ...")
      .option('--to-store <name>', '... to this one, which dcm then uses')
      .option('--yes', 'with --to-store cache: move without asking, although the cache forgets logins after their time to live')
      .option('--json', 'print {"configPath","dryRun","moved":[...],"left":[...],"credsStore","backup"}'),
    { tls: false },
  )
    .addHelpText(
      'after',
      `
Moves "auth" (base64 user:password), "identitytoken" (kept with the <token> username, as Docker
does) and legacy "username"/"password" entries. Each credential is written to the keychain and
read back before config.json is rewritten without it, in one atomic write, leaving the {} entry
Docker itself leaves; then credsStore is dcm. Interrupted at any point, config.json is the old
file or the new one and every credential is in one place or both.

--from-store A --to-store B moves every login dcm keeps from one store to another with the same
guarantees: each is written to B and read back before it is erased from A, so a kill at any
instant leaves it in A, in B, or in both; then B is recorded as dcm's store. The cache store
forgets every login after its time to live (DCM_CACHE_TTL): moving logins there asks first at a
terminal, and needs --yes anywhere else.

Examples:
  $ dcm migrate --dry-run
  $ dcm migrate --verify
  $ dcm migrate --from-store os --to-store pass
  $ dcm migrate --from-store os --to-store cache --yes   # a CI job: logins for the job only

${exitCodesHelp(['ok', 'failure', 'usage', 'keychain', 'busy'], { failure: 'something was left in config.json' })}`,
    )
    // Two commands under one name: the store-to-store move when --from-store or --to-store is given.
    .action(async (options) =>
      options.fromStore !== undefined || options.toStore !== undefined
        ? (await import('./commands/migrate-stores.ts')).migrateStores(options, io)
        : (await import('./commands/migrate.ts')).migrate(options, io),
    );

  program
    .command('import')
    .description('copy credentials out of another credential helper')
    .requiredOption('--from <helper>', 'the other helper: secretservice, pass, osxkeychain, wincred, desktop, ...')
    .option('--registry <host...>', 'only these registries')
    .option('--remove', 'erase each from the source once dcm gives it back')
    .option('--json', 'print {"from","imported":[...],"skipped":[...]}')
    .addHelpText(
      'after',
      `
Speaks the helper protocol to docker-credential-HELPER (list, then get for each), so any helper
works. secretservice 0.9+ lists "Registry credentials for <url>" keys that its own get refuses:
dcm asks for <url>.

Examples:
  $ dcm import --from secretservice
  $ dcm import --from pass --registry ghcr.io --remove

${exitCodesHelp(['ok', 'failure', 'usage', 'keychain', 'busy'], { failure: 'something was skipped' })}`,
    )
    .action(async (options) => (await import('./commands/import.ts')).importFrom(options, io));

  const mirror = program
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
  mirror
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
    )
    .action(async (options) => (await import('./commands/mirror.ts')).mirrorLs(options, io));
  withRegistryOptions(
    mirror
      .command('check')
      .description('check that each mirror answers as a registry, gets the credentials it needs, and serves a current image')
      .argument('[urls...]', 'mirrors to check (default: every configured one)')
      .option('--image <name>', 'the official image whose manifest is asked for with one HEAD (default library/alpine:latest)')
      .option('--json', 'print {"ok","results":[{"url","ok","status","message","auth","digest","upstreamDigest","durationMs"}]}'),
  )
    .addHelpText(
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
    )
    .action(async (urls, options) => (await import('./commands/mirror.ts')).mirrorCheck(urls, options, io));
  withRegistryOptions(
    mirror
      .command('add')
      .description("add a mirror to daemon.json's registry-mirrors, after checking it")
      .argument('<url>', 'the mirror, http:// or https://, a path allowed')
      .option('--no-check', 'add it without checking it first'),
  )
    .addHelpText(
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
    )
    .action(async (url, options) => (await import('./commands/mirror.ts')).mirrorAdd(url, options, io));
  mirror
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
    )
    .action(async (url, options) => (await import('./commands/mirror.ts')).mirrorRm(url, options, io));

  program
    .command('completion')
    .description('print a shell completion script: commands, options, stored registry names')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      `
Registry names (for login, logout, check, ratelimit --registry) come from a list dcm keeps next to
its index, without any secret, and from config.json; mirror URLs (for mirror check and rm) from
their configuration files. A Tab never touches the keychain and never blocks the shell.

Examples:
  $ source <(dcm completion bash)          # in ~/.bashrc
  $ source <(dcm completion zsh)           # in ~/.zshrc, after compinit
  $ dcm completion fish | source           # in ~/.config/fish/config.fish
  $ dcm completion bash > ~/.local/share/bash-completion/completions/dcm

${exitCodesHelp(['ok', 'usage'])}`,
    )
    .action(async (shell) => (await import('./commands/completion.ts')).completion(shell, io));
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => (await import('./commands/completion.ts')).complete(words, program, io));

  program
    .command('doctor')
    .description('check that Docker really uses dcm, with the fix for each problem')
    .option('--json', 'print {"ok", "checks": [{"id","status","detail","fix"}]}')
    .addHelpText(
      'after',
      `
Checks: docker-credential-dcm on PATH at this version; config.json found, parseable, pointing at
dcm; no plaintext credentials left (names registries, never secrets); credHelpers that send a
registry elsewhere; DOCKER_AUTH_CONFIG; the keychain reachable and writable (a probe item is
written, read and removed), every item under dcm's name readable; config.json's permissions;
each configured Docker Hub mirror reachable and serving (as dcm mirror check), and the credential
surprises of this machine's mirrors (a Docker Hub login handed to a mirror, a mirror that needs
credentials no client sends).

Examples:
  $ dcm doctor
  $ dcm doctor --json | jq '.checks[] | select(.status != "ok")'

${exitCodesHelp(['ok', 'failure'], { ok: 'every check passed', failure: 'a check failed' })}`,
    )
    .action(async (options) => (await import('./commands/doctor.ts')).doctor(options, io));

  program
    .command('setup')
    .description('make Docker use dcm: credsStore, or credHelpers for the registries given')
    .option('--registry <host...>', 'only these registries (credHelpers entries)')
    .option('--undo', 'stop using dcm: put credsStore back as it was before dcm, remove dcm credHelpers')
    .option(
      '--store <name>',
      'where dcm keeps credentials: os (the OS keychain, the default), pass (GPG files, for servers without a desktop keychain) or cache (memory only, for a CI job or an SSH session: logins go after DCM_CACHE_TTL, default 8h)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Honours DOCKER_CONFIG. Keeps every other key and the file's indentation, backs config.json up
once (config.json.dcm-backup), writes atomically with mode 0600, and changes nothing when run again.
--store first proves the store works (a probe entry written, read back and removed), then records
it in dcm's own configuration ($XDG_CONFIG_HOME/dcm/config.json); DCM_STORE overrides it for one
process. Logins already kept in another store stay there.

Examples:
  $ dcm setup                               # "credsStore": "dcm"
  $ dcm setup --store pass                  # a server: GPG-encrypted files (pass init KEYID first)
  $ DCM_CACHE_TTL=2h dcm setup --store cache   # a CI job: in memory, gone after 2 hours
  $ dcm setup --registry ghcr.io --registry myregistry.azurecr.io
  $ dcm setup --undo

${exitCodesHelp(['ok', 'failure', 'usage', 'keychain'], { failure: 'config.json could not be written', usage: 'usage, or a config.json dcm will not change', keychain: 'the store chosen cannot be used' })}`,
    )
    .action(async (options) => (await import('./commands/setup.ts')).setup(options, io));

  program
    .command('version')
    .description('print the version (with --json: of dcm, its Node and its platform)')
    .option('--json', 'print {"version","node","platform","arch"}')
    .action((options: { json?: boolean }) => {
      io.stdout.write(
        options.json ? `${JSON.stringify({ version: VERSION, ...(io.runtime ?? { node: null, platform: null, arch: null }) })}\n` : `${versionLine('dcm')}\n`,
      );
    });
  return program;
}

/** Parses and runs one command line; returns the exit code. */
export async function runCli(args: readonly string[], raw: CliIo): Promise<number> {
  // Everything a command prints is escaped for the terminal and for CI log parsers (terminal.ts).
  const io: CliIo = {
    ...raw,
    stdout: safeWriter(raw.stdout),
    stderr: safeWriter(raw.stderr),
    terminal: raw.terminal ?? raw.stderr,
    workflowCommand: raw.workflowCommand ?? ((line) => raw.stdout.write(line)),
  };
  const program = buildProgram(io);
  try {
    if (args.length === 0) {
      program.outputHelp();
      return EXIT_CODES.ok;
    }
    await program.parseAsync([...args], { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    // The one place an error becomes an exit code (errors.ts holds the table).
    if (!(error instanceof SilentExit)) io.stderr.write(error instanceof DcmError ? `dcm: ${oneLine(error)}\n` : `dcm: internal error: ${oneLine(error)}\n`);
    return exitCodeFor(error);
  }
}
