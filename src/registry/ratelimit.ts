/**
 * Docker Hub's pull-limit headers, parsed. Pure.
 *
 * `ratelimit-limit: 100;w=21600` means 100 pulls per 21,600-second window; the IETF-draft form
 * `100, 100;w=21600` lists the quota first and then policies. Header names arrive in any case,
 * with or without an `x-` prefix, and neither the numbers nor the window are assumed: they have
 * changed several times since 2020 (docs/rate-limits.md). No limit headers at all means the
 * pulls are not metered; a limit header that is present but unreadable is an error, never
 * "unlimited": a CI gate must not pass on a number it could not read.
 */
import { RegistryError } from '../errors.ts';

export interface RateLimit {
  limit: number | null;
  remaining: number | null;
  windowSeconds: number | null;
  /** `docker-ratelimit-source`: the client IP when anonymous, an account id when authenticated. */
  source: string | null;
  /** True when the registry sent no limit headers: the pulls are not metered. */
  unlimited: boolean;
}

export type Headers = Record<string, string | string[] | undefined>;

/** The value of `name` or `x-name`, any case; repeated headers joined with ", ". */
export function headerValue(headers: Headers, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    if ((lower === name || lower === `x-${name}`) && value !== undefined) return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}

/** `100;w=21600`, `100, 100;w=21600`, `76` → count and window; null parts where absent or malformed. */
export function parseLimitHeader(value: string | undefined): { count: number | null; windowSeconds: number | null } {
  if (value === undefined) return { count: null, windowSeconds: null };
  let count: number | null = null;
  let windowSeconds: number | null = null;
  for (const item of value.split(',')) {
    const [head = '', ...params] = item.trim().split(';');
    const n = wholeNumber(head);
    if (count === null && n !== null) count = n;
    for (const param of params) {
      const [key, raw] = param.trim().split('=');
      if (key?.trim().toLowerCase() === 'w' && windowSeconds === null) windowSeconds = wholeNumber(raw ?? '');
    }
  }
  return { count, windowSeconds };
}

export function readRateLimit(headers: Headers): RateLimit {
  const limit = readCount(headers, 'ratelimit-limit');
  const remaining = readCount(headers, 'ratelimit-remaining');
  const source = headerValue(headers, 'docker-ratelimit-source')?.trim() || null;
  return {
    limit: limit.count,
    remaining: remaining.count,
    windowSeconds: limit.windowSeconds ?? remaining.windowSeconds,
    source,
    unlimited: limit.count === null && remaining.count === null,
  };
}

/** An IPv4 or IPv6 address: the source of anonymous pulls (an account id otherwise). */
export function isIpAddress(source: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(source) || (/^[0-9a-f:]+$/i.test(source) && source.includes(':'));
}

/** One limit header; present but without a whole number of pulls is an error. */
function readCount(headers: Headers, name: string): ReturnType<typeof parseLimitHeader> {
  const raw = headerValue(headers, name);
  const parsed = parseLimitHeader(raw);
  if (raw !== undefined && parsed.count === null) {
    const shown = JSON.stringify(raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 40));
    throw new RegistryError(
      `the registry sent a ${name} header that is not a number of pulls (${shown}); the limit cannot be read, so nothing is reported as unlimited`,
    );
  }
  return parsed;
}

function wholeNumber(text: string): number | null {
  const trimmed = text.trim();
  return /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : null;
}
