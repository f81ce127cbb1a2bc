/**
 * Keeps config.json's `auths` as `docker login` and `docker logout` keep it when a helper holds
 * the secrets (docker/credential-sources.ts has the rules): `{}` under a registry dcm logged in
 * to, nothing under one it logged out of. The edit is made under config.json's edit lock, on the
 * file as it is then, atomically; a file that cannot be read or written is one warning line, and
 * the login itself stands.
 */
import { authsAfterLogin, authsAfterLogout } from '../docker/credential-sources.ts';
import { dockerConfigPath, readDockerConfig, writeDockerConfig } from '../docker/config-file.ts';
import { oneLine } from '../errors.ts';
import { withFileEditLock } from '../platform/file-lock.ts';
import type { CommandContext } from './context.ts';

export function recordLogin(ctx: CommandContext, registry: string): Promise<void> {
  return edit(ctx, (data) => authsAfterLogin(data, registry));
}

export function forgetLogins(ctx: CommandContext, registries: readonly string[]): Promise<void> {
  return edit(ctx, (data) => authsAfterLogout(data, registries));
}

async function edit(ctx: CommandContext, change: (data: Record<string, unknown>) => Record<string, unknown> | undefined): Promise<void> {
  const path = dockerConfigPath(ctx.env);
  try {
    await withFileEditLock(path, async () => {
      const file = readDockerConfig(path);
      // No config.json means Docker does not use dcm: nothing to keep in step.
      if (!file.exists) return;
      const next = change(file.data);
      if (next) writeDockerConfig({ ...file, data: next });
    });
  } catch (error) {
    ctx.stderr.write(`dcm: warning: ${path} was not updated: ${oneLine(error)}\n`);
  }
}
