/**
 * `dcm migrate`: move every credential out of config.json into the keychain.
 *
 * Order, so that an interruption at any instant loses nothing: every credential is written to
 * the keychain and read back first; only then is config.json rewritten without the secrets, in
 * one atomic write (temporary file, fsync, rename). Killed before the rename, the old file is
 * intact and the keychain holds copies; after it, the keychain holds everything.
 */
import { MigrationFailed, oneLine } from '../../errors.ts';
import { findPlaintext, withoutSecrets, type PlaintextCredential } from '../../docker-auths.ts';
import { backupOnce, dockerConfigPath, readDockerConfig, writeDockerConfig } from '../../docker-config.ts';
import { checkLogin } from '../../registry/auth.ts';
import { openCredentialStore } from '../../store/open.ts';
import type { CliIo } from '../io.ts';
import { parseTimeout } from './login.ts';

export interface MigrateOptions {
  dryRun?: boolean;
  verify?: boolean;
  json?: boolean;
  timeout?: string;
}

export interface MigrateReport {
  configPath: string;
  dryRun: boolean;
  moved: Array<{ registry: string; username: string | null; kind: PlaintextCredential['kind'] }>;
  left: Array<{ registry: string; reason: string }>;
  credsStore: string | null;
  backup: string | null;
}

export async function migrate(options: MigrateOptions, io: CliIo): Promise<void> {
  const path = dockerConfigPath(io.env);
  const file = readDockerConfig(path);
  const { credentials, unusable } = findPlaintext(file.data);
  const store = openCredentialStore(io.env);
  const report: MigrateReport = { configPath: path, dryRun: options.dryRun === true, moved: [], left: unusable.map((u) => ({ registry: u.entry, reason: u.reason })), credsStore: null, backup: null };
  const timeoutMs = parseTimeout(options.timeout);

  const movable: PlaintextCredential[] = [];
  for (const credential of credentials) {
    const existing = await store.get(credential.registry);
    if (existing && (existing.username !== credential.username || existing.secret !== credential.secret)) {
      report.left.push({ registry: credential.entry, reason: `the keychain already holds a different login for ${credential.registry}; keep one: \`dcm logout ${credential.registry}\` then migrate again, or delete the entry from config.json` });
      continue;
    }
    if (options.verify) {
      try {
        await checkLogin({ server: credential.registry, username: credential.username, secret: credential.secret, timeoutMs, env: io.env });
      } catch (error) {
        report.left.push({ registry: credential.entry, reason: `--verify failed: ${oneLine(error)}` });
        continue;
      }
    }
    movable.push(credential);
  }

  if (!options.dryRun) {
    for (const credential of movable) {
      await store.store(credential.registry, { username: credential.username, secret: credential.secret });
      const back = await store.get(credential.registry);
      if (!back || back.username !== credential.username || back.secret !== credential.secret) {
        throw new MigrationFailed(`the keychain did not give back what was written for ${credential.registry}; config.json was not changed`);
      }
    }
    const moved = movable.map((c) => c.entry);
    const next = moved.length > 0 ? withoutSecrets(file.data, moved) : { ...file.data };
    next.credsStore = 'dcm';
    if (JSON.stringify(next) !== JSON.stringify(file.data)) {
      report.backup = backupOnce(path) ?? null;
      writeDockerConfig({ ...file, data: next });
    }
    report.credsStore = 'dcm';
  } else {
    report.credsStore = typeof file.data.credsStore === 'string' ? file.data.credsStore : null;
  }
  report.moved = movable.map((c) => ({ registry: c.registry, username: c.kind === 'identity-token' ? null : c.username, kind: c.kind }));

  if (options.json) {
    io.stdout.write(JSON.stringify(report) + '\n');
  } else {
    io.stdout.write(render(report));
  }
  if (report.left.length > 0) io.exitCode = 1;
}

function render(report: MigrateReport): string {
  const verb = report.dryRun ? 'would move' : 'moved';
  const lines: string[] = [];
  if (report.moved.length === 0 && report.left.length === 0) lines.push(`No plaintext credentials in ${report.configPath}.`);
  for (const m of report.moved) lines.push(`${verb} ${m.registry} (${m.username ?? 'identity token'}) to the keychain`);
  for (const l of report.left) lines.push(`left ${l.registry} in config.json: ${l.reason}`);
  if (!report.dryRun) lines.push(`credsStore is dcm in ${report.configPath}${report.backup ? ` (backup of the original: ${report.backup})` : ''}`);
  else lines.push('dry run: nothing was changed');
  return lines.join('\n') + '\n';
}
