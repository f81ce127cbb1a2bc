/**
 * `dcm ls`: every login Docker can use here, from every source Docker reads (cli/logins.ts),
 * each with its source; never a secret. A source that cannot be read is one warning line, the
 * rest is still listed, and the exit code is that source's failure class.
 */
import { SilentExit, oneLine } from '../../../errors.ts';
import { describeExpiry } from '../../../registry/expiry.ts';
import type { CommandContext } from '../../context.ts';
import { dockerLogins, failureCode, sourceLabel } from '../../logins.ts';
import { renderTable } from '../../render.ts';
import type { LsOptions } from './command.ts';

export async function ls(options: LsOptions, ctx: CommandContext): Promise<void> {
  const now = ctx.now();
  const { rows, failures } = await dockerLogins(ctx, { expiry: true });
  for (const failure of failures) ctx.stderr.write(`dcm: warning: ${sourceLabel(failure.source)} could not be read: ${oneLine(failure.error)}\n`);
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify(rows)}\n`);
  } else if (rows.length === 0) {
    if (failures.length === 0) ctx.stdout.write('No stored logins. Log in with: dcm login [SERVER]\n');
  } else {
    ctx.stdout.write(
      renderTable(
        ['REGISTRY', 'USERNAME', 'KIND', 'SOURCE', 'EXPIRES'],
        rows.map((row) => [
          row.registry,
          row.username ?? '(identity token)',
          row.kind,
          sourceLabel(row.source, row.identity),
          describeExpiry(row.expiresAt ? new Date(row.expiresAt) : undefined, now),
        ]),
      ),
    );
  }
  if (failures.length > 0) throw new SilentExit(failureCode(failures[0]!));
}
