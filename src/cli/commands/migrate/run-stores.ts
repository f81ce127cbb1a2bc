/**
 * `dcm migrate --from-store A --to-store B`: every login dcm keeps in one store, moved to another
 * (the other half of `dcm migrate`, which moves config.json's plaintext; its command.ts sends the
 * command line to one or the other).
 */
import { ItemError, MigrationFailed, SilentExit, UsageError, oneLine, type StoreName } from '../../../errors.ts';
import { TOKEN_USERNAME } from '../../../docker/server-address.ts';
import type { CredentialStore } from '../../../store/credential-store.ts';
import { openCredentialStore, storeName } from '../../../store/select.ts';
import type { CommandContext } from '../../context.ts';
import { terminalPrompter } from '../../prompt.ts';
import { recordStore } from '../../store-access.ts';
import type { MigrateOptions as MigrateStoresOptions } from './command.ts';

function sameLogin(a: { username: string; secret: string }, b: { username: string; secret: string }): boolean {
  return a.username === b.username && a.secret === b.secret;
}

/**
 * Logins kept until removed, moved into a store that forgets them after their time to live: said
 * first, and asked at a terminal; anywhere else only `--yes` goes on (a script must mean it).
 */
async function confirmForgetting(from: StoreName, ctx: CommandContext): Promise<void> {
  const { cacheTtlMs } = await import('../../../store/cache.ts');
  const hours = cacheTtlMs(ctx.env) / 3_600_000;
  const ttl = hours >= 1 ? `${Number(hours.toFixed(1))} h` : `${Math.round(hours * 60)} min`;
  const warning = `the cache store forgets every login ${ttl} after it is stored (DCM_CACHE_TTL), and the ${from} store keeps them until they are removed: once moved, they are gone after ${ttl}`;
  if (!ctx.isTTY) throw new UsageError(`${warning}; run again with --yes to move them anyway (nothing was moved)`);
  ctx.stderr.write(`dcm: ${warning}\n`);
  if (!(await terminalPrompter(ctx).confirm('Move them to the cache store anyway?'))) {
    ctx.stderr.write('dcm: nothing was moved\n');
    throw new SilentExit('failure');
  }
}

/**
 * `--from-store A --to-store B`: every login dcm keeps in A, written to B and read back, and only
 * then erased from A. Killed at any instant, a login is in A, in B, or in both; an item of
 * another program in A is left there and reported. Then B is recorded as dcm's store.
 */
export async function migrateStores(options: MigrateStoresOptions, ctx: CommandContext): Promise<void> {
  if (options.fromStore === undefined || options.toStore === undefined) throw new UsageError('--from-store and --to-store go together');
  if (options.verify) throw new UsageError('--verify checks config.json credentials; it does not go with --from-store');
  const from = storeName(options.fromStore, '--from-store');
  const to = storeName(options.toStore, '--to-store');
  if (from === to) throw new UsageError(`--from-store and --to-store are both ${from}`);
  if (to === 'cache' && !options.dryRun && !options.yes) await confirmForgetting(from, ctx);
  const source = await openCredentialStore({ ...ctx.env, DCM_STORE: from }, ctx.storeHooks);
  const target = await openCredentialStore({ ...ctx.env, DCM_STORE: to }, ctx.storeHooks);
  const moved: Array<{ registry: string; username: string | null }> = [];
  const left: Array<{ registry: string; reason: string }> = [];
  for (const registry of await source.allKeys()) {
    const outcome = await moveBetweenStores(registry, { source, target, from, to, dryRun: options.dryRun === true });
    if (outcome.moved) moved.push(outcome.moved);
    if (outcome.left) left.push({ registry, reason: outcome.left });
  }
  if (!options.dryRun && left.length === 0) recordStore(to, ctx.env);
  const report = { from, to, dryRun: options.dryRun === true, moved, left, store: options.dryRun || left.length > 0 ? from : to };
  ctx.stdout.write(options.json ? `${JSON.stringify(report)}\n` : renderStoreMove(report));
  if (left.length > 0) throw new SilentExit('failure');
}

/** One login from one store to the other: written and read back before it is erased from the first. */
async function moveBetweenStores(
  registry: string,
  { source, target, from, to, dryRun }: { source: CredentialStore; target: CredentialStore; from: StoreName; to: StoreName; dryRun: boolean },
): Promise<{ moved?: { registry: string; username: string | null }; left?: string }> {
  let login: Awaited<ReturnType<typeof source.get>>;
  try {
    login = await source.get(registry);
  } catch (error) {
    if (!(error instanceof ItemError)) throw error;
    return { left: oneLine(error) };
  }
  if (!login) return {};
  const existing = await target.get(registry);
  if (existing && !sameLogin(existing, login))
    return { left: `the ${to} store already holds a different login for ${registry}; remove one of them, then migrate again` };
  if (!dryRun) {
    if (!(await target.storeVerified(registry, login)))
      throw new MigrationFailed(`the ${to} store did not give back what was written for ${registry}; it stays in the ${from} store`);
    await source.erase(registry);
  }
  return { moved: { registry, username: login.username === TOKEN_USERNAME ? null : login.username } };
}

function renderStoreMove(report: {
  from: StoreName;
  to: StoreName;
  dryRun: boolean;
  moved: Array<{ registry: string; username: string | null }>;
  left: Array<{ registry: string; reason: string }>;
}): string {
  const verb = report.dryRun ? 'would move' : 'moved';
  const lines = report.moved.map((m) => `${verb} ${m.registry} (${m.username ?? 'identity token'}) from the ${report.from} store to the ${report.to} store`);
  for (const l of report.left) lines.push(`left ${l.registry} in the ${report.from} store: ${l.reason}`);
  if (lines.length === 0) lines.push(`The ${report.from} store holds no logins.`);
  if (!report.dryRun && report.left.length === 0) lines.push(`dcm keeps credentials in the ${report.to} store from now on`);
  return `${lines.join('\n')}\n`;
}
