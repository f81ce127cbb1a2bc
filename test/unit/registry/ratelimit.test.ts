import { describe, expect, it } from 'vitest';
import { headerValue, isIpAddress, parseLimitHeader, readRateLimit } from '../../../src/registry/ratelimit.ts';

describe('parseLimitHeader', () => {
  it.each([
    ['100;w=21600', { count: 100, windowSeconds: 21600 }],
    ['76;w=21600', { count: 76, windowSeconds: 21600 }],
    ['100, 100;w=21600', { count: 100, windowSeconds: 21600 }],
    ['100;w=3600', { count: 100, windowSeconds: 3600 }],
    ['0;w=3600', { count: 0, windowSeconds: 3600 }],
    ['  200 ; w = 21600 ', { count: 200, windowSeconds: 21600 }],
    ['100', { count: 100, windowSeconds: null }],
    ['abc;w=x', { count: null, windowSeconds: null }],
    ['-5;w=60', { count: null, windowSeconds: 60 }],
    ['', { count: null, windowSeconds: null }],
    [undefined, { count: null, windowSeconds: null }],
  ])('%j', (input, expected) => expect(parseLimitHeader(input)).toEqual(expected));
});

describe('readRateLimit', () => {
  it.each([
    [
      { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600', 'docker-ratelimit-source': '203.0.113.7' },
      { limit: 100, remaining: 76, windowSeconds: 21600, source: '203.0.113.7', unlimited: false },
    ],
    [
      { 'RateLimit-Limit': '200;w=21600', 'RATELIMIT-REMAINING': '199' },
      { limit: 200, remaining: 199, windowSeconds: 21600, source: null, unlimited: false },
    ],
    [
      { 'x-ratelimit-limit': '100, 100;w=3600', 'X-RateLimit-Remaining': '0;w=3600' },
      { limit: 100, remaining: 0, windowSeconds: 3600, source: null, unlimited: false },
    ],
    [{ 'docker-ratelimit-source': 'a2c5b0e4-uuid' }, { limit: null, remaining: null, windowSeconds: null, source: 'a2c5b0e4-uuid', unlimited: true }],
    [{}, { limit: null, remaining: null, windowSeconds: null, source: null, unlimited: true }],
  ])('%j', (headers, expected) => expect(readRateLimit(headers)).toEqual(expected));

  // Present but unreadable is an error, never "unlimited" (a --fail-under gate must not pass).
  it.each([
    ['ratelimit-limit', '-5'],
    ['ratelimit-limit', '1e309'],
    ['ratelimit-limit', 'abc'],
    ['ratelimit-limit', ''],
    ['ratelimit-limit', '0x10'],
    ['ratelimit-remaining', '-1;w=21600'],
    ['ratelimit-remaining', 'NaN'],
  ])('a %s of %j is an error', (name, value) => {
    expect(() => readRateLimit({ [name]: value })).toThrow(new RegExp(`sent a ${name} header that is not a number of pulls`));
  });

  it('joins repeated headers', () => {
    expect(headerValue({ 'ratelimit-limit': ['100', '100;w=60'] }, 'ratelimit-limit')).toBe('100, 100;w=60');
  });
});

describe('isIpAddress', () => {
  it.each([
    ['203.0.113.7', true],
    ['2001:db8::1', true],
    ['a2c5b0e4-2f0a-4c8e-9d61-3f4b1d2a7c90', false],
    ['dckr_jti_abc', false],
  ])('%s is an IP: %s', (source, expected) => expect(isIpAddress(source)).toBe(expected));
});
