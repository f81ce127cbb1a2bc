/**
 * The command tree: each command declares itself beside its code (commands/<name>/command.ts)
 * and its work is loaded only when it runs. This file holds the root, the order of the
 * commands in help, and the one place an error becomes an exit code.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { DcmError, EXIT_CODES, SilentExit, exitCodeFor, oneLine } from '../errors.ts';
import { versionLine } from '../version.ts';
import { declareCheck } from './commands/check/command.ts';
import { declareCompletion } from './commands/completion/command.ts';
import { declareDoctor } from './commands/doctor/command.ts';
import { declareImport } from './commands/import/command.ts';
import { declareKubeletProvider } from './commands/kubelet-provider/command.ts';
import { declareLogin } from './commands/login/command.ts';
import { declareLogout } from './commands/logout/command.ts';
import { declareLs } from './commands/ls/command.ts';
import { declareMigrate } from './commands/migrate/command.ts';
import { declareMirror } from './commands/mirror/command.ts';
import { declareRatelimit } from './commands/ratelimit/command.ts';
import { declareSetup } from './commands/setup/command.ts';
import { declareVersion } from './commands/version/command.ts';
import { createContext, type CliIo, type CommandContext } from './context.ts';
import { ALL_EXIT_CODES, exitCodesHelp } from './exit-codes.ts';
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
  DCM_PROVIDER_TIMEOUT_MS   longest wait for one minted token (dcm login --provider; default 30000)
  DCM_ID_TOKEN              a GitLab job's id token, for --oidc gitlab
  DCM_SECRET_SERVICE_CLIENT dh or plain: read the Secret Service with dcm's own client (experimental)
  DOCKER_CONFIG             Docker's configuration directory (default ~/.docker)
  PASSWORD_STORE_DIR, GNUPGHOME   where the pass store keeps its files and keys
  XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_CACHE_HOME, XDG_RUNTIME_DIR   dcm's settings, index names,
                            unpacked addon, and its lock and cache-agent sockets
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY (any case)   proxies for registry requests, as Docker uses them
  DBUS_SESSION_BUS_ADDRESS  the session bus the Secret Service is reached on (Linux)

${exitCodesHelp(ALL_EXIT_CODES)}`;

/** The whole command tree (exported for completion tests). */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('dcm')
    .description('Docker credential helper and login manager on the OS keychain')
    .version(versionLine('dcm'), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpText('after', HELPER_HELP)
    .showHelpAfterError('(run dcm --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
    });
  for (const declare of [
    declareLogin,
    declareLogout,
    declareLs,
    declareCheck,
    declareRatelimit,
    declareMigrate,
    declareImport,
    declareMirror,
    declareKubeletProvider,
    declareCompletion,
    declareDoctor,
    declareSetup,
    declareVersion,
  ]) {
    declare(program, ctx);
  }
  return program;
}

/** Parses and runs one command line; returns the exit code. */
export async function runCli(args: readonly string[], raw: CliIo): Promise<number> {
  // Everything a command prints is escaped for the terminal and for CI log parsers (terminal.ts).
  const ctx = createContext({
    ...raw,
    stdout: safeWriter(raw.stdout),
    stderr: safeWriter(raw.stderr),
    terminal: raw.terminal ?? raw.stderr,
    workflowCommand: raw.workflowCommand ?? ((line) => raw.stdout.write(line)),
  });
  const program = buildProgram(ctx);
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
    if (!(error instanceof SilentExit)) ctx.stderr.write(error instanceof DcmError ? `dcm: ${oneLine(error)}\n` : `dcm: internal error: ${oneLine(error)}\n`);
    return exitCodeFor(error);
  }
}
