/**
 * What command declarations share: the registry options, and the options type a run function
 * takes, read from its declaration (so a flag and the field that holds it cannot drift apart).
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';

/** The options a declaration (a function returning a typed Command) parses into. */
// biome-ignore lint/suspicious/noExplicitAny: any argument list and options a declaration has.
export type OptionsOf<Declare extends (...args: any[]) => Command<any, any, any>> = ReturnType<ReturnType<Declare>['opts']>;

export const DEFAULT_TIMEOUT_SECONDS = 15;

/** `--timeout`, for every command that talks to registries. */
// biome-ignore lint/suspicious/noExplicitAny: keeps whatever arguments the command has.
export function withTimeout<Args extends any[], Opts extends OptionValues, Globals extends OptionValues>(command: Command<Args, Opts, Globals>) {
  return command.option('--timeout <seconds>', `seconds to wait for each registry (default ${DEFAULT_TIMEOUT_SECONDS})`);
}

/** `--cert-dir`, `--insecure`, `--daemon-config` and `--timeout`, for every command that talks to registries over TLS. */
// biome-ignore lint/suspicious/noExplicitAny: keeps whatever arguments the command has.
export function withRegistryOptions<Args extends any[], Opts extends OptionValues, Globals extends OptionValues>(command: Command<Args, Opts, Globals>) {
  return withTimeout(
    command
      .option('--cert-dir <dir>', 'extra CA certificates (*.crt) and client certificate (*.cert + *.key)')
      .option('--insecure', 'skip TLS verification and allow plain HTTP (credentials still go over plain HTTP only to this machine)')
      .option('--daemon-config <path>', "the Docker daemon's daemon.json, whose insecure-registries count as --insecure (default: /etc/docker/daemon.json)"),
  );
}
