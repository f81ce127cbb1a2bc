/**
 * Tokens for bound registries: served from the cache while fresh, minted when not, and a
 * still-valid one served with a warning when minting fails; an expired one never. Loaded by the
 * helper's `get` only for a host a binding serves, and by the CLI's login, check, ls and logout.
 */
import { statSync } from 'node:fs';
import { platform, userInfo } from 'node:os';
import { MintFailed, UsageError, oneLine } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import type { CredentialStore } from '../store/credential-store.ts';
import type { Binding, ProviderName } from './bindings.ts';
import { identityKey } from './identity.ts';
import { ASSUMED_LIFETIME_MS, mintDeadline, type MintedToken, type Provider } from './provider.ts';
import { decodeTokens, encodeTokens, planToken, slotOf, tokenItemKey, type CachedToken } from './token-cache.ts';

export interface TokenRequest {
  binding: Binding;
  host: string;
  store: CredentialStore;
  env: Env;
  now: number;
  /** dcm's settings file, which holds the binding: refused when another user could change it. */
  settingsPath: string;
  /** One line for stderr that does not stop the request. */
  warn: (line: string) => void;
}

async function loadProvider(name: ProviderName): Promise<Provider> {
  switch (name) {
    case 'aws':
      return (await import('./aws/ecr.ts')).awsProvider;
    case 'azure':
      return (await import('./azure.ts')).azureProvider;
    case 'gcp':
      return (await import('./gcp.ts')).gcpProvider;
    case 'github':
      return (await import('./github.ts')).githubProvider;
    case 'exec':
      return (await import('./exec.ts')).execProvider;
  }
}

/**
 * A binding decides what programs dcm runs and where tokens go: a settings file another user
 * can write could point them anywhere. Refused, as ssh refuses a writable authorized_keys.
 */
export function checkSettingsPrivate(path: string): void {
  if (platform() === 'win32') return;
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return;
  if ((stats.mode & 0o022) !== 0 || stats.uid !== userInfo().uid)
    throw new UsageError(
      `dcm's configuration ${path} can be changed by another user (mode ${(stats.mode & 0o777).toString(8)}); its provider bindings are not used. Fix it with: chmod 600 ${path}`,
    );
}

/** The token for `host`: cached and fresh, or minted now (and cached). */
export async function tokenFor(request: TokenRequest): Promise<{ username: string; secret: string }> {
  checkSettingsPrivate(request.settingsPath);
  const { binding, host, store, env, now } = request;
  const slot = slotOf(host, identityKey(binding, env));
  const item = tokenItemKey(binding.pattern);
  const plan = planToken(decodeTokens(await store.backend.get(item))[slot], now);
  if (plan.action === 'use') return plan.token;
  let minted: MintedToken;
  try {
    minted = await mint(binding, host, env, now);
  } catch (error) {
    if (!plan.fallback) throw error;
    request.warn(`${oneLine(error)}; the cached token, valid until ${new Date(plan.fallback.expiresAt).toISOString()}, is used`);
    return plan.fallback;
  }
  await remember(store, item, slot, { ...minted, mintedAt: now }, now).catch((error: unknown) =>
    request.warn(`the token minted for ${host} could not be cached (${oneLine(error)}); the next pull mints again`),
  );
  return minted;
}

/** Mints one token, whatever the cache holds (`dcm login` and `dcm check` verify it). */
export async function mint(binding: Binding, host: string, env: Env, now: number): Promise<MintedToken> {
  const provider = await loadProvider(binding.provider);
  const minted = await provider.mint({ binding, host, env, now, deadline: mintDeadline(env, now) });
  if (minted.expiresAt <= now)
    throw new MintFailed(`${binding.provider}: the token minted for ${host} had already expired (${new Date(minted.expiresAt).toISOString()})`);
  return { ...minted, expiresAt: Number.isFinite(minted.expiresAt) ? minted.expiresAt : now + ASSUMED_LIFETIME_MS };
}

async function remember(store: CredentialStore, item: string, slot: string, token: CachedToken, now: number): Promise<void> {
  // Read again just before writing: a get that raced this one keeps its entry for another host.
  const tokens = decodeTokens(await store.backend.get(item));
  tokens[slot] = token;
  await store.backend.set(item, encodeTokens(tokens, now));
}

export async function cacheMinted(store: CredentialStore, binding: Binding, host: string, env: Env, token: MintedToken, now: number): Promise<void> {
  await remember(store, tokenItemKey(binding.pattern), slotOf(host, identityKey(binding, env)), { ...token, mintedAt: now }, now);
}

/** A token the registry refused (seen by `dcm check`): never served again. */
export async function markRefused(store: CredentialStore, binding: Binding, host: string, env: Env, now: number): Promise<void> {
  const item = tokenItemKey(binding.pattern);
  const tokens = decodeTokens(await store.backend.get(item));
  const slot = slotOf(host, identityKey(binding, env));
  if (!tokens[slot]) return;
  tokens[slot] = { ...tokens[slot]!, refused: true };
  await store.backend.set(item, encodeTokens(tokens, now));
}

/** Every cached token of a binding, for `dcm ls`: host, identity, expiry (the secret stays here). */
export async function cachedTokens(
  store: CredentialStore,
  binding: Binding,
): Promise<Array<{ host: string; username: string; identity: string; expiresAt: number }>> {
  const tokens = decodeTokens(await store.backend.get(tokenItemKey(binding.pattern)));
  return Object.entries(tokens)
    .filter(([, token]) => !token.refused)
    .map(([slot, token]) => ({ host: slot.slice(0, slot.lastIndexOf('|')), username: token.username, identity: token.identity, expiresAt: token.expiresAt }));
}

export async function forgetTokens(store: CredentialStore, binding: Binding): Promise<boolean> {
  return store.backend.delete(tokenItemKey(binding.pattern));
}
