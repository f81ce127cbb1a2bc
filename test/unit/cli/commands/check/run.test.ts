/**
 * `dcm check` in process (src/cli/context.ts): the memory store holds the logins, the registry
 * client is a stand-in that answers per registry, the clock is fixed. What crosses the network
 * is tested against real registries in test/integration/check.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../../../../src/cli/commands/check/run.ts';
import { CredentialsRejected, NetworkError, SilentExit } from '../../../../../src/errors.ts';
import { testContext } from '../../../../helpers/context.ts';

const jwt = (exp: number) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.c2ln`;
const NOW = new Date('2026-12-04T12:00:00Z');

async function checked(servers: string[], options: Parameters<typeof check>[1], world: ReturnType<typeof testContext>) {
  const outcome = await check(servers, { ...options, json: true }, world.ctx).then(
    () => 'ok',
    (error: unknown) => (error instanceof SilentExit ? error.code : error),
  );
  return { outcome, report: JSON.parse(world.out()) };
}

describe('dcm check, in process', () => {
  it('each login is checked by its own registry: one accepted, one refused, one unreachable', async () => {
    const asked: string[] = [];
    const world = testContext({
      registry: {
        checkLogin: async ({ registry, username }) => {
          asked.push(`${registry} ${username}`);
          if (registry === 'refused.example') throw new CredentialsRejected('refused.example refused the credentials');
          if (registry === 'down.example') throw new NetworkError('down.example: connection refused');
          return { endpoint: `https://${registry}/v2/`, auth: 'bearer', profile: 'generic' };
        },
      },
    });
    for (const registry of ['good.example', 'refused.example', 'down.example']) await world.store.store(registry, { username: 'u', secret: 's' });
    const { outcome, report } = await checked([], {}, world);
    expect(asked.sort()).toEqual(['down.example u', 'good.example u', 'refused.example u']);
    expect(report.ok).toBe(false);
    expect(Object.fromEntries(report.results.map((r: { registry: string; status: string }) => [r.registry, r.status]))).toEqual({
      'good.example': 'ok',
      'refused.example': 'credentials',
      'down.example': 'network',
    });
    // The first failing login's class, in registry order: down.example (network) sorts first.
    expect(outcome).toBe('network');
  });

  it.each([
    ['expired an hour ago', -3600, 'expired'],
    ['expiring in an hour, within 2h', 3600, 'expiring'],
  ])('a token %s fails before the registry is asked', async (_name, offset, status) => {
    const world = testContext({ now: NOW });
    await world.store.store('jwt.example', { username: 'u', secret: jwt(NOW.getTime() / 1000 + offset) });
    const { outcome, report } = await checked(['jwt.example'], { expiringWithin: '2h' }, world);
    expect(report.results[0]).toMatchObject({ registry: 'jwt.example', status, ok: false });
    expect(outcome).toBe('credentials');
  });

  it('a token that expires after the window is checked at its registry', async () => {
    const world = testContext({ now: NOW, registry: { checkLogin: async () => ({ endpoint: 'https://jwt.example/v2/', auth: 'basic', profile: 'generic' }) } });
    await world.store.store('jwt.example', { username: 'u', secret: jwt(NOW.getTime() / 1000 + 86_400) });
    const { outcome, report } = await checked(['jwt.example'], { expiringWithin: '2h' }, world);
    expect(outcome).toBe('ok');
    expect(report.results[0]).toMatchObject({ status: 'ok', expiresAt: '2026-12-05T12:00:00.000Z' });
  });

  it('a registry with no stored login is not-logged-in, and nothing is asked', async () => {
    const world = testContext();
    const { outcome, report } = await checked(['nowhere.example'], {}, world);
    expect(report.results[0]).toMatchObject({ registry: 'nowhere.example', status: 'not-logged-in' });
    expect(outcome).not.toBe('ok');
  });
});
