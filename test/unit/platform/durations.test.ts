import { describe, expect, it } from 'vitest';
import { humanWindow } from '../../../src/platform/durations.ts';

describe('humanWindow', () => {
  it.each([
    [21600, '6 hours'],
    [3600, '1 hour'],
    [86400, '1 day'],
    [120, '2 minutes'],
    [90, '90 seconds'],
    // The cache store's shortest time to live: seconds, not "0 days".
    [2, '2 seconds'],
    [28_800, '8 hours'],
  ])('%i s → %s', (seconds, text) => expect(humanWindow(seconds)).toBe(text));
});
