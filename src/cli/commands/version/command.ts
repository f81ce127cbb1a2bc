/** `dcm version`: the whole command, too small for a run.ts of its own. */
import type { Command } from '@commander-js/extra-typings';
import { VERSION, versionLine } from '../../../version.ts';
import type { CommandContext } from '../../context.ts';

export function declareVersion(parent: Command, ctx: CommandContext): void {
  parent
    .command('version')
    .description('print the version (with --json: of dcm, its Node and its platform)')
    .option('--json', 'print {"version","node","platform","arch"}')
    .action((options) => {
      ctx.stdout.write(
        options.json ? `${JSON.stringify({ version: VERSION, ...(ctx.runtime ?? { node: null, platform: null, arch: null }) })}\n` : `${versionLine('dcm')}\n`,
      );
    });
}
