/** `dcm logout`: remove stored logins from the keychain. */
import { DOCKER_HUB_KEY, DOCKER_HUB_TOKEN_KEYS, normaliseServerUrl } from '../../../docker/server-address.ts';
import { ItemError, SilentExit, UsageError, oneLine } from '../../../errors.ts';
import { forgetLogins } from '../../auths-sync.ts';
import type { CommandContext } from '../../context.ts';
import { forgetBinding, readBindings } from '../../provider-bindings.ts';
import { checkPattern } from '../../../providers/bindings.ts';
import type { CredentialStore } from '../../../store/credential-store.ts';
import { rememberCertDir } from '../../registry-target.ts';
import type { LogoutOptions } from './command.ts';

export async function logout(server: string | undefined, options: LogoutOptions, ctx: CommandContext): Promise<void> {
  if (options.all && server) throw new UsageError('give a SERVER or --all, not both');
  const store = await ctx.openStore();
  const unbound = await forgetBindings(server, options.all === true, store, ctx);
  // --all reads the items themselves, not only the index: a login the index lost is removed too.
  const keys = options.all ? await store.allKeys() : unbound > 0 ? await staticLoginOf(store, server!) : [normaliseServerUrl(server ?? DOCKER_HUB_KEY)];
  if (options.all && keys.length === 0 && unbound === 0) ctx.stdout.write('No stored logins.\n');
  if (options.all && keys.length > 0 && ctx.isTTY && !options.yes) await confirmAll(keys, ctx);
  const { removed, failed } = await eraseEach(store, keys, options.all === true, ctx);
  // As `docker logout` leaves config.json: no empty `auths` entry for a registry no longer logged in to.
  await forgetLogins(ctx, removed);
  for (const key of removed) forgetCertDir(key, ctx);
  if (failed) throw new SilentExit('failure');
}

/**
 * The provider bindings SERVER (exactly as bound: a host or a pattern) or --all names, removed
 * from dcm's settings with every token cached for them. Returns how many.
 */
async function forgetBindings(server: string | undefined, all: boolean, store: CredentialStore, ctx: CommandContext): Promise<number> {
  const { bindings } = readBindings(ctx.env);
  const pattern = server === undefined ? undefined : boundPattern(server);
  const chosen = all ? bindings : bindings.filter((binding) => binding.pattern === pattern);
  if (chosen.length === 0) return 0;
  const { forgetTokens } = await import('../../../providers/tokens.ts');
  for (const binding of chosen) {
    await forgetTokens(store, binding);
    forgetBinding(ctx.env, binding.pattern);
    ctx.stdout.write(`Removing the ${binding.provider} binding for ${binding.pattern} and its cached tokens\n`);
  }
  return chosen.length;
}

/** SERVER as `dcm login --provider` recorded it; undefined for what no binding can be (a Docker Hub URL). */
function boundPattern(server: string): string | undefined {
  try {
    return checkPattern(server);
  } catch {
    return undefined;
  }
}

/** A static login kept beside a binding that was removed goes too; a pattern has none. */
async function staticLoginOf(store: CredentialStore, server: string): Promise<string[]> {
  if (server.includes('*')) return [];
  const key = normaliseServerUrl(server);
  return (await store.get(key)) ? [key] : [];
}

/** At a terminal, `--all` asks first; "no" removes nothing. */
async function confirmAll(keys: string[], ctx: CommandContext): Promise<void> {
  const { terminalPrompter } = await import('../../prompt.ts');
  const shown = `${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}`;
  if (await terminalPrompter(ctx).confirm(`Remove all ${keys.length} stored login${keys.length === 1 ? '' : 's'} (${shown})?`)) return;
  ctx.stderr.write('dcm: nothing was removed\n');
  throw new SilentExit('failure');
}

/** Erases each key; with --all, an item another program wrote is one line and the rest go on. */
async function eraseEach(store: CredentialStore, keys: string[], all: boolean, ctx: CommandContext): Promise<{ removed: string[]; failed: boolean }> {
  const removed: string[] = [];
  let failed = false;
  for (const key of keys) {
    try {
      const existed = await store.erase(key);
      removed.push(key);
      ctx.stdout.write(existed ? `Removing login credentials for ${key}\n` : `Not logged in to ${key}\n`);
      // Docker's device-code login keeps two more entries beside the Hub login; `docker logout`
      // erases them too.
      if (key === DOCKER_HUB_KEY) for (const extra of DOCKER_HUB_TOKEN_KEYS) await store.erase(extra);
    } catch (error) {
      if (!(error instanceof ItemError) || !all) throw error;
      ctx.stderr.write(`dcm: ${oneLine(error)}\n`);
      failed = true;
    }
  }
  return { removed, failed };
}

function forgetCertDir(key: string, ctx: CommandContext): void {
  try {
    rememberCertDir(key, undefined, ctx.env);
  } catch {
    // Only a path: a settings file that cannot be written keeps it, harmlessly.
  }
}
