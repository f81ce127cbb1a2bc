/**
 * `dcm import --from HELPER`: copy credentials out of another credential helper through the
 * helper protocol itself (`list`, then `get` for each), so it works for secretservice,
 * osxkeychain, wincred, pass, desktop and any other `docker-credential-*`.
 */
import { HelperClient, serverFromListKey } from '../../../docker/helper-client.ts';
import { TOKEN_USERNAME, normaliseServerUrl } from '../../../docker/server-address.ts';
import { SilentExit, UsageError } from '../../../errors.ts';
import type { CommandContext } from '../../context.ts';
import type { CredentialStore } from '../../../store/credential-store.ts';
import type { ImportOptions } from './command.ts';

interface Imported {
  registry: string;
  username: string;
  from: string;
  removed: boolean;
}

export async function importFrom(options: ImportOptions, ctx: CommandContext): Promise<void> {
  if (options.from.replace(/^docker-credential-/, '') === 'dcm') throw new UsageError('--from dcm would import dcm into itself');
  const source = new HelperClient(options.from, ctx.env);
  const program = source.program;
  const wanted = (options.registry ?? []).map(normaliseServerUrl);
  const store = await ctx.openStore();

  const imported: Imported[] = [];
  const skipped: Array<{ key: string; reason: string }> = [];
  for (const key of [...(await source.list()).keys()].sort()) {
    const outcome = await importOne(key, { source, store, wanted, remove: options.remove === true });
    if (outcome.imported) imported.push(outcome.imported);
    if (outcome.skipped) skipped.push({ key, reason: outcome.skipped });
  }

  if (options.json) {
    ctx.stdout.write(`${JSON.stringify({ from: program, imported, skipped })}\n`);
  } else {
    const lines = imported.map(
      (i) =>
        `imported ${i.registry} (${i.username === TOKEN_USERNAME ? 'identity token' : i.username}) from ${program}${i.removed ? ', removed from the source' : ''}`,
    );
    for (const s of skipped) lines.push(`skipped ${s.key}: ${s.reason}`);
    if (lines.length === 0) lines.push(`${program} holds no credentials${wanted.length > 0 ? ' for those registries' : ''}.`);
    ctx.stdout.write(`${lines.join('\n')}\n`);
  }
  if (skipped.length > 0) throw new SilentExit('failure');
}

/**
 * One entry of the source helper: read, stored in dcm and read back, and only then (with
 * --remove) erased from the source. What was imported, why it was skipped, or both (imported,
 * but the source's erase failed); nothing for a registry that was not asked for.
 */
async function importOne(
  key: string,
  { source, store, wanted, remove }: { source: HelperClient; store: CredentialStore; wanted: string[]; remove: boolean },
): Promise<{ imported?: Imported; skipped?: string }> {
  const server = serverFromListKey(key);
  let registry: string;
  try {
    registry = normaliseServerUrl(server);
  } catch {
    return { skipped: 'not a registry address' };
  }
  if (wanted.length > 0 && !wanted.includes(registry)) return {};
  const got = await source.get(server);
  if ('failure' in got) return { skipped: got.failure };
  const { username, secret } = got.credentials;
  if (!(await store.storeVerified(registry, { username, secret })))
    return { skipped: 'the keychain did not give back what was written; the source was left alone' };
  if (!remove) return { imported: { registry, username, from: key, removed: false } };
  // Only now that dcm gives it back is the source copy erased.
  const failure = await source.erase(server);
  return {
    imported: { registry, username, from: key, removed: failure === undefined },
    ...(failure ? { skipped: `imported, but ${source.program} erase failed: ${failure}` } : {}),
  };
}
