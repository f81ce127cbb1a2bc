/** `dcm ls`: the stored logins; never their secrets. */
import type { CliIo } from '../io.ts';
import { renderTable } from '../render.ts';
import { openStore, toEntries } from '../shared.ts';

export interface LsOptions {
  json?: boolean;
}

export async function ls(options: LsOptions, io: CliIo): Promise<void> {
  const entries = toEntries(await openStore(io).list());
  if (options.json) {
    io.stdout.write(`${JSON.stringify(entries)}\n`);
    return;
  }
  if (entries.length === 0) {
    io.stdout.write('No stored logins. Log in with: dcm login [SERVER]\n');
    return;
  }
  io.stdout.write(
    renderTable(
      ['REGISTRY', 'USERNAME', 'KIND'],
      entries.map((e) => [e.registry, e.username ?? '(identity token)', e.kind]),
    ),
  );
}
