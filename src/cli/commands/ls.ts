/** `dcm ls`: the stored logins; never their secrets. */
import { TOKEN_USERNAME } from '../../helper/protocol.ts';
import { openCredentialStore } from '../../store/open.ts';
import type { CliIo } from '../io.ts';
import { renderTable } from '../render.ts';

export interface LsOptions {
  json?: boolean;
}

/** One stored login as `dcm ls --json` prints it. */
export interface LoginEntry {
  registry: string;
  /** null for an identity token, whose username Docker does not keep. */
  username: string | null;
  kind: 'password' | 'identity-token';
}

export function toEntries(list: Map<string, string>): LoginEntry[] {
  return [...list]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([registry, username]) =>
      username === TOKEN_USERNAME ? { registry, username: null, kind: 'identity-token' } : { registry, username, kind: 'password' },
    );
}

export async function ls(options: LsOptions, io: CliIo): Promise<void> {
  const entries = toEntries(await openCredentialStore(io.env, io.storeHooks).list());
  if (options.json) {
    io.stdout.write(JSON.stringify(entries) + '\n');
    return;
  }
  if (entries.length === 0) {
    io.stdout.write('No stored logins. Log in with: dcm login [SERVER]\n');
    return;
  }
  io.stdout.write(renderTable(['REGISTRY', 'USERNAME', 'KIND'], entries.map((e) => [e.registry, e.username ?? '(identity token)', e.kind])));
}
