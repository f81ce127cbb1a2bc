/**
 * Minted tokens, cached in the user's store beside the logins (one item per binding, filed
 * under `<pattern>#dcm-tokens`, which no registry key can be), each entry under the host and
 * the identity that minted it: another AWS profile, role or GitHub token is another entry, so
 * temporary credentials do not defeat the cache. The decisions are pure ({@link planToken}).
 */

export interface CachedToken {
  username: string;
  secret: string;
  /** Epoch milliseconds. */
  mintedAt: number;
  expiresAt: number;
  /** Who minted it, for `dcm ls` (an account, a profile, a login; never a secret). */
  identity: string;
  /** A registry refused it (`dcm check` saw a 401 or 403): never served again. */
  refused?: boolean;
}

/**
 * A token served this close to its expiry could run out during the pull that asked for it:
 * counted as expired.
 */
export const EXPIRY_MARGIN_MS = 60_000;
const MAX_ENTRIES = 32;

export type TokenPlan =
  /** Fresh: more than half its lifetime left, as amazon-ecr-credential-helper counts it. */
  | { action: 'use'; token: CachedToken }
  /** Mint; if minting fails, `fallback` (still valid, past half-life) may be served with a warning. */
  | { action: 'mint'; fallback?: CachedToken; why: 'none' | 'half-life' | 'expired' | 'refused' };

export function planToken(token: CachedToken | undefined, now: number): TokenPlan {
  if (!token) return { action: 'mint', why: 'none' };
  if (token.refused) return { action: 'mint', why: 'refused' };
  if (now >= token.expiresAt - EXPIRY_MARGIN_MS) return { action: 'mint', why: 'expired' };
  const halfLife = token.mintedAt + (token.expiresAt - token.mintedAt) / 2;
  if (now < halfLife) return { action: 'use', token };
  return { action: 'mint', fallback: token, why: 'half-life' };
}

export function tokenItemKey(pattern: string): string {
  return `${pattern}#dcm-tokens`;
}

export function slotOf(host: string, identityKey: string): string {
  return `${host}|${identityKey}`;
}

/** The cached entries of one binding; an item that is not dcm's shape holds none. */
export function decodeTokens(raw: string | undefined): Record<string, CachedToken> {
  if (raw === undefined) return {};
  try {
    const parsed = JSON.parse(raw) as { tokens?: unknown };
    if (typeof parsed.tokens !== 'object' || parsed.tokens === null) return {};
    const tokens: Record<string, CachedToken> = {};
    for (const [slot, value] of Object.entries(parsed.tokens as Record<string, unknown>)) {
      const t = value as Partial<CachedToken>;
      if (typeof t.username === 'string' && typeof t.secret === 'string' && typeof t.mintedAt === 'number' && typeof t.expiresAt === 'number')
        tokens[slot] = {
          username: t.username,
          secret: t.secret,
          mintedAt: t.mintedAt,
          expiresAt: t.expiresAt,
          identity: String(t.identity ?? ''),
          refused: t.refused === true || undefined,
        };
    }
    return tokens;
  } catch {
    return {};
  }
}

/** The item after `change`: expired entries dropped, the newest kept when there are too many. */
export function encodeTokens(tokens: Record<string, CachedToken>, now: number): string {
  const kept = Object.entries(tokens)
    .filter(([, token]) => token.expiresAt > now)
    .sort(([, a], [, b]) => b.mintedAt - a.mintedAt)
    .slice(0, MAX_ENTRIES);
  return JSON.stringify({ tokens: Object.fromEntries(kept) });
}
