/**
 * dcm as the kubelet's image credential provider: one request in, one response out. Answers
 * from dcm's provider bindings (a token minted now: the kubelet caches it for half its life),
 * and, where dcm's settings say `"kubelet": {"staticLogins": true}`, from the logins in dcm's
 * store. Never prompts, never writes anything to stdout but the response; every failure is one
 * line on stderr and a non-zero exit, which the kubelet logs.
 */
import { normaliseServerUrl, TOKEN_USERNAME } from '../docker/server-address.ts';
import { UsageError } from '../errors.ts';
import type { Env } from '../platform/paths.ts';
import { bindingFor, bindingsOf } from '../providers/bindings.ts';
import { readSettings } from '../store/select.ts';
import { CACHE_KEY_TYPES, cacheDurationFor, encodeResponse, parseRequest, registryOf, type CacheKeyType, type ProviderResponse } from './protocol.ts';

/** Shorter than the kubelet's own wait for a plugin, so that the kubelet hears why. */
const KUBELET_MINT_TIMEOUT_MS = '10000';

export interface KubeletSettings {
  cacheKeyType: CacheKeyType;
  staticLogins: boolean;
}

/** dcm's `kubelet` settings, checked. Pure. */
export function kubeletSettings(settings: Record<string, unknown>, path: string): KubeletSettings {
  const raw = (settings.kubelet ?? {}) as Record<string, unknown>;
  const cacheKeyType = raw.cacheKeyType ?? 'Registry';
  if (!(CACHE_KEY_TYPES as readonly unknown[]).includes(cacheKeyType))
    throw new UsageError(
      `dcm's configuration ${path}: kubelet.cacheKeyType is ${JSON.stringify(cacheKeyType)}; the kubelet takes ${CACHE_KEY_TYPES.join(', ')}`,
    );
  return { cacheKeyType: cacheKeyType as CacheKeyType, staticLogins: raw.staticLogins === true };
}

export async function answerKubelet(
  text: string,
  env: Env,
  now: number,
  openStore: () => Promise<{ get(server: string): Promise<{ username: string; secret: string } | undefined> }>,
): Promise<string> {
  const request = parseRequest(text);
  const { path, settings } = readSettings(env);
  const options = kubeletSettings(settings, path);
  const host = registryOf(request.image);
  const reply = (auth: ProviderResponse['auth'], cacheDuration?: string) =>
    encodeResponse({ apiVersion: request.apiVersion, cacheKeyType: options.cacheKeyType, ...(cacheDuration ? { cacheDuration } : {}), auth });

  const binding = bindingFor(bindingsOf(settings, path), host);
  if (binding) {
    const { checkSettingsPrivate, mint } = await import('../providers/tokens.ts');
    checkSettingsPrivate(path);
    const token = await mint(binding, host, { DCM_PROVIDER_TIMEOUT_MS: KUBELET_MINT_TIMEOUT_MS, ...env }, now);
    // The binding's own pattern is the key: the kubelet matches it as dcm does (a `*` per label).
    return reply({ [binding.pattern]: { username: token.username, password: token.secret } }, cacheDurationFor(token.expiresAt, now));
  }
  if (options.staticLogins) {
    const login = await (await openStore()).get(normaliseServerUrl(host));
    // The kubelet takes a username and a password only: an identity token is not one.
    if (login && login.username !== TOKEN_USERNAME) return reply({ [host]: { username: login.username, password: login.secret } });
  }
  // No credentials for this image: an empty answer the kubelet does not keep.
  return reply({}, '0s');
}
