/** `dcm doctor`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import type { OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declare(parent: Command) {
  return parent
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
    );
}

export type DoctorOptions = OptionsOf<typeof declare>;

export function declareDoctor(parent: Command, ctx: CommandContext): void {
  declare(parent).action(async (options) => (await import('./run.ts')).doctor(options, ctx));
}
