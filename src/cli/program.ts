/**
 * The management CLI. Commands are declared here (names, options, help); each implementation
 * is imported only when its command runs.
 */
import { Command, CommanderError } from 'commander';
import { DcmError, EXIT_CODES, exitCodeFor, oneLine } from '../errors.ts';
import { versionLine } from '../version.ts';
import type { CliIo } from './io.ts';

const HELPER_HELP = `
Credential-helper protocol (what Docker runs; reads stdin, writes stdout):
  dcm store | get | erase | list | version
  Name the binary docker-credential-dcm and set "credsStore": "dcm" in ~/.docker/config.json.

Examples:
  $ echo ghcr.io | docker-credential-dcm get
  $ docker-credential-dcm list

Exit codes: 0 ok, 1 failure, 2 usage, 3 credentials rejected, 4 network, 5 TLS,
  6 rate limit or threshold, 7 registry error, 8 keychain unavailable.`;

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
  program
    .command('setup')
    .description('make Docker use dcm: credsStore, or credHelpers for the registries given')
    .option('--registry <host...>', 'only these registries (credHelpers entries)')
    .option('--undo', 'stop using dcm: put credsStore back as it was before dcm, remove dcm credHelpers')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Honours DOCKER_CONFIG. Keeps every other key and the file's indentation, backs config.json up
once (config.json.dcm-backup), writes atomically with mode 0600, and changes nothing when run again.

Examples:
  $ dcm setup                               # "credsStore": "dcm"
  $ dcm setup --registry ghcr.io --registry myregistry.azurecr.io
  $ dcm setup --undo`,
    )
    .action(async (options) => (await import('./commands/setup.ts')).setup(options, io));
  return program;
}

/** Parses and runs one command line; returns the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    if (args.length === 0) {
      program.outputHelp();
      return EXIT_CODES.ok;
    }
    await program.parseAsync([...args], { from: 'user' });
    return io.exitCode ?? EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    io.stderr.write(`dcm: ${oneLine(error)}\n`);
    return error instanceof DcmError ? exitCodeFor(error) : EXIT_CODES.failure;
  }
}
