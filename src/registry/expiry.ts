/**
 * When a stored secret stops working, read from the secret itself, without asking anyone
 * (docs/registries.md, "Expiry"). Pure. Only the expiry is read: no other claim of a token is
 * ever returned, so none can reach an output.
 * - A JWT's `exp` (ACR tokens, GitLab's JWT job tokens, many identity tokens). GitLab prefixes
 *   some tokens (`glcbt-`), so one lower-case prefix ending in `-` is allowed before the JWT.
 * - An ECR token (from `aws ecr get-login-password`) is base64 of a JSON object whose
 *   `expiration` is in Unix seconds; ECR documents 12 hours from issue.
 */
import type { ProfileId } from './profiles.ts';

/**
 * The expiry of a secret, or undefined when it does not say. An ECR token is known by its shape
 * (`payload`, `datakey`, `expiration`), not by the host it is stored under: a pull-through proxy
 * or a CNAME in front of ECR keeps ECR's tokens under its own name.
 */
export function secretExpiry(secret: string, _profile?: ProfileId): Date | undefined {
  return jwtExpiry(secret) ?? ecrExpiry(secret);
}

export function jwtExpiry(secret: string): Date | undefined {
  const match = /^(?:[a-z]{2,10}-)?(eyJ[\w-]*)\.([\w-]+)\.[\w-]*$/.exec(secret);
  if (!match) return undefined;
  const claims = parseJsonObject(Buffer.from(match[2]!, 'base64url').toString('utf8'));
  return claims ? secondsToDate(claims.exp) : undefined;
}

function ecrExpiry(secret: string): Date | undefined {
  // Base64 of JSON starts `eyJ`; a short password that happens to be base64 is not a token.
  if (!secret.startsWith('eyJ') || !/^[A-Za-z0-9+/]+=*$/.test(secret)) return undefined;
  const token = parseJsonObject(Buffer.from(secret, 'base64').toString('utf8'));
  if (!token || typeof token.payload !== 'string' || typeof token.datakey !== 'string') return undefined;
  return secondsToDate(token.expiration);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Unix seconds to a date; anything that is not a plausible time (year 2000 to 9999) is no expiry. */
function secondsToDate(value: unknown): Date | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 946_684_800 || value > 253_402_300_799) return undefined;
  return new Date(Math.floor(value) * 1000);
}

/** How an expiry reads in a table, relative to `now`: `expires in 3h`, `expired 2 days ago`. */
export function describeExpiry(expiresAt: Date | undefined, now: Date): string {
  if (!expiresAt) return '-';
  const delta = expiresAt.getTime() - now.getTime();
  const span = humanSpan(Math.abs(delta));
  return delta > 0 ? `expires in ${span}` : `expired ${span} ago`;
}

function humanSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.round(hours / 24);
  return `${days} days`;
}

/** The state of a login against a window: `--expiring-within`. */
export function expiryStatus(expiresAt: Date | undefined, now: Date, withinMs: number): 'expired' | 'expiring' | undefined {
  if (!expiresAt) return undefined;
  if (expiresAt.getTime() <= now.getTime()) return 'expired';
  return expiresAt.getTime() - now.getTime() <= withinMs ? 'expiring' : undefined;
}

/** `30m`, `12h`, `7d`, `45s` to milliseconds; undefined when it is none of those. */
export function parseDuration(raw: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(raw.trim());
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
