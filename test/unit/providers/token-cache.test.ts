import { describe, expect, it } from 'vitest';
import { decodeTokens, encodeTokens, planToken, type CachedToken } from '../../../src/providers/token-cache.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-04T00:00:00Z');
/** A 12-hour token (ECR's lifetime) minted at T0. */
const token = (extra: Partial<CachedToken> = {}): CachedToken => ({
  username: 'AWS',
  secret: 's',
  mintedAt: T0,
  expiresAt: T0 + 12 * HOUR,
  identity: 'account 1',
  ...extra,
});

describe('planToken: fresh, half-life, never expired, refused dropped', () => {
  it.each<[string, CachedToken | undefined, number, ReturnType<typeof planToken>['action'], string | undefined, boolean]>([
    ['nothing cached', undefined, T0, 'mint', 'none', false],
    ['just minted', token(), T0, 'use', undefined, false],
    ['5 h 59 m in: more than half left', token(), T0 + 6 * HOUR - 60_000, 'use', undefined, false],
    ['6 h in: half gone, mint (the old one may stand in)', token(), T0 + 6 * HOUR, 'mint', 'half-life', true],
    ['11 h 58 m in: still valid, may stand in', token(), T0 + 12 * HOUR - 120_000, 'mint', 'half-life', true],
    ['within a minute of expiry: counted as expired, never served', token(), T0 + 12 * HOUR - 30_000, 'mint', 'expired', false],
    ['past expiry', token(), T0 + 13 * HOUR, 'mint', 'expired', false],
    ['refused by the registry, though fresh', token({ refused: true }), T0 + HOUR, 'mint', 'refused', false],
  ])('%s', (_name, cached, now, action, why, fallback) => {
    const plan = planToken(cached, now);
    expect(plan.action).toBe(action);
    if (plan.action === 'mint') {
      expect(plan.why).toBe(why);
      expect(plan.fallback !== undefined).toBe(fallback);
    }
  });
});

describe('the cache item', () => {
  it('round-trips, drops expired entries, keeps the newest 32', () => {
    const tokens: Record<string, CachedToken> = { 'old|k': token({ expiresAt: T0 - 1 }) };
    for (let i = 0; i < 40; i++) tokens[`h${i}|k`] = token({ mintedAt: T0 + i, secret: `s${i}` });
    const decoded = decodeTokens(encodeTokens(tokens, T0));
    expect(Object.keys(decoded)).toHaveLength(32);
    expect(decoded['old|k']).toBeUndefined();
    expect(decoded['h39|k']?.secret).toBe('s39');
    expect(decoded['h0|k']).toBeUndefined();
  });

  it.each([undefined, '', 'not json', '{"tokens": 3}', '{"tokens": {"a|k": {"username": 1}}}'])('%j holds no token', (raw) => {
    expect(decodeTokens(raw)).toEqual({});
  });
});
