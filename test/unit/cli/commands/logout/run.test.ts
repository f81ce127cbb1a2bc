/** `dcm logout` in process: what it removes from the memory store, and what it leaves. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logout } from '../../../../../src/cli/commands/logout/run.ts';
import { UsageError } from '../../../../../src/errors.ts';
import { testContext } from '../../../../helpers/context.ts';

describe('dcm logout, in process', () => {
  it('removes one login, its {} entry in auths, and nothing else', async () => {
    const world = testContext();
    writeFileSync(join(world.dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'dcm', auths: { 'ghcr.io': {}, 'quay.io': {} } }));
    await world.store.store('ghcr.io', { username: 'a', secret: 's1' });
    await world.store.store('quay.io', { username: 'b', secret: 's2' });
    await logout('ghcr.io', {}, world.ctx);
    expect(world.out()).toBe('Removing login credentials for ghcr.io\n');
    expect([...(await world.store.list()).keys()]).toEqual(['quay.io']);
    expect(JSON.parse(readFileSync(join(world.dockerConfig, 'config.json'), 'utf8')).auths).toEqual({ 'quay.io': {} });
  });

  it('a registry with no login says so, and succeeds as docker logout does', async () => {
    const world = testContext();
    await logout('nowhere.example', {}, world.ctx);
    expect(world.out()).toBe('Not logged in to nowhere.example\n');
  });

  it('--all without a terminal removes every login without asking', async () => {
    const world = testContext();
    for (const registry of ['a.example', 'b.example']) await world.store.store(registry, { username: 'u', secret: 's' });
    await logout(undefined, { all: true }, world.ctx);
    expect((await world.store.list()).size).toBe(0);
  });

  it('a SERVER and --all together is a usage error, and nothing is removed', async () => {
    const world = testContext();
    await world.store.store('a.example', { username: 'u', secret: 's' });
    await expect(logout('a.example', { all: true }, world.ctx)).rejects.toBeInstanceOf(UsageError);
    expect((await world.store.list()).size).toBe(1);
  });
});
