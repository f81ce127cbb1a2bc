/** `dcm ls` in process: the memory store's logins, their expiry against a fixed clock, never a secret. */
import { describe, expect, it } from 'vitest';
import { ls } from '../../../../../src/cli/commands/ls/run.ts';
import { testContext } from '../../../../helpers/context.ts';

const jwt = (exp: number) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.c2ln`;

describe('dcm ls, in process', () => {
  it('lists each login with its kind and expiry, and no secret', async () => {
    const now = new Date('2026-12-04T12:00:00Z');
    const world = testContext({ now });
    await world.store.store('ghcr.io', { username: 'octocat', secret: 'ls-Secret-1' });
    await world.store.store('acr.example', { username: '<token>', secret: jwt(now.getTime() / 1000 + 3 * 3600) });
    await ls({}, world.ctx);
    const lines = world.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REGISTRY\s+USERNAME\s+KIND\s+SOURCE\s+EXPIRES$/);
    expect(lines[1]).toMatch(/^acr\.example\s+\(identity token\)\s+identity-token\s+.*expires in 3h$/);
    expect(lines[2]).toMatch(/^ghcr\.io\s+octocat\s+password\s+.*-$/);
    expect(world.out()).not.toContain('ls-Secret-1');
  });

  it('--json: one array, null where nothing is known', async () => {
    const world = testContext();
    await world.store.store('ghcr.io', { username: 'octocat', secret: 'ls-Secret-2' });
    await ls({ json: true }, world.ctx);
    expect(JSON.parse(world.out())).toEqual([{ registry: 'ghcr.io', username: 'octocat', kind: 'password', source: 'dcm', store: 'os', expiresAt: null }]);
  });

  it('no logins: says how to add one', async () => {
    const world = testContext();
    await ls({}, world.ctx);
    expect(world.out()).toBe('No stored logins. Log in with: dcm login [SERVER]\n');
  });
});
