/**
 * `dcm migrate`: move every credential out of config.json into the keychain.
 *
 * Order, so that an interruption at any instant loses nothing: every credential is written to
 * the keychain and read back first; only then is config.json rewritten without the secrets, in
 * one atomic write (temporary file, fsync, rename). Killed before the rename, the old file is
 * intact and the keychain holds copies; after it, the keychain holds everything.
 */
import { MigrationFailed, SilentExit, oneLine } from '../../../errors.ts';
import { findPlaintext, withoutFields, type PlaintextCredential } from '../../../docker/auths.ts';
import { backupOnce, dockerConfigPath, readDockerConfig, writeDockerConfig, type DockerConfigFile } from '../../../docker/config-file.ts';
import type { CredentialStore } from '../../../store/credential-store.ts';
import type { CommandContext } from '../../context.ts';
import { parseTimeout, registryTarget } from '../../registry-target.ts';
import type { MigrateOptions } from './command.ts';

export interface MigrateReport {
  configPath: string;
  dryRun: boolean;
  moved: Array<{ registry: string; username: string | null; kind: PlaintextCredential['kind'] }>;
  left: Array<{ registry: string; reason: string }>;
  credsStore: string | null;
  backup: string | null;
}

/** What migrate will do with the plaintext it found: pure, so every rule is one row of a table test. */
export interface MigrationPlan {
  /** One credential per registry, to store and read back. */
  move: PlaintextCredential[];
  /** Entries whose credential is identical to one that moves: removed once that one reads back. */
  alsoRemove: PlaintextCredential[];
  left: Array<{ registry: string; reason: string }>;
}

/**
 * Decides, for the credentials found in config.json and what the keychain already holds for
 * each registry, which move and which stay. Two spellings of one registry (`https://dup.io/`
 * and `dup.io`; `https://index.docker.io/v1/` and `docker.io`) are one keychain entry: when
 * they hold different logins only one may move (the spelling Docker itself writes, else the
 * first in order) and the other stays in config.json, reported. Nothing is planned for removal
 * that the keychain will not hold.
 */
export function planMigration(
  credentials: readonly PlaintextCredential[],
  inKeychain: ReadonlyMap<string, { username: string; secret: string }>,
): MigrationPlan {
  const plan: MigrationPlan = { move: [], alsoRemove: [], left: [] };
  const byRegistry = new Map<string, PlaintextCredential[]>();
  for (const credential of credentials) byRegistry.set(credential.registry, [...(byRegistry.get(credential.registry) ?? []), credential]);
  for (const [registry, group] of byRegistry) {
    const ordered = [...group].sort(
      (a, b) => Number(b.entry === registry) - Number(a.entry === registry) || (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0),
    );
    const chosen = ordered[0]!;
    const existing = inKeychain.get(registry);
    if (existing && !sameLogin(existing, chosen)) {
      for (const credential of ordered) {
        plan.left.push({
          registry: credential.entry,
          reason: `the keychain already holds a different login for ${registry}; keep one: \`dcm logout ${registry}\` then migrate again, or delete the entry from config.json`,
        });
      }
      continue;
    }
    plan.move.push(chosen);
    for (const other of ordered.slice(1)) {
      if (sameLogin(other, chosen)) plan.alsoRemove.push(other);
      else
        plan.left.push({
          registry: other.entry,
          reason: `${chosen.entry} is another spelling of ${registry} with a different login, and the keychain keeps one login per registry; ${chosen.entry} moves, this one stays: delete the one you do not need`,
        });
    }
  }
  return plan;
}

function sameLogin(a: { username: string; secret: string }, b: { username: string; secret: string }): boolean {
  return a.username === b.username && a.secret === b.secret;
}

/** `dcm migrate`: config.json's plaintext logins into dcm's store (--from-store is migrate-stores.ts). */
export async function migrate(options: MigrateOptions, ctx: CommandContext): Promise<void> {
  const path = dockerConfigPath(ctx.env);
  const file = readDockerConfig(path);
  const { credentials, unusable } = findPlaintext(file.data);
  const store = await ctx.openStore();
  const report: MigrateReport = {
    configPath: path,
    dryRun: options.dryRun === true,
    moved: [],
    left: unusable.map((u) => ({ registry: u.entry, reason: u.reason })),
    credsStore: null,
    backup: null,
  };
  const timeoutMs = parseTimeout(options.timeout);

  const inKeychain = new Map<string, { username: string; secret: string }>();
  for (const registry of new Set(credentials.map((c) => c.registry))) {
    const existing = await store.get(registry);
    if (existing) inKeychain.set(registry, existing);
  }
  const plan = planMigration(credentials, inKeychain);
  report.left.push(...plan.left);

  const movable = await verifiedMoves(plan, options.verify === true, report, ctx, timeoutMs);
  if (!options.dryRun) {
    report.backup = await moveIntoStore(movable, plan.alsoRemove, store, file);
    report.credsStore = 'dcm';
  } else {
    report.credsStore = typeof file.data.credsStore === 'string' ? file.data.credsStore : null;
  }
  report.moved = movable.map((c) => ({ registry: c.registry, username: c.kind === 'identity-token' ? null : c.username, kind: c.kind }));

  if (options.json) {
    ctx.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    ctx.stdout.write(render(report));
  }
  if (report.left.length > 0) throw new SilentExit('failure');
}

/** With --verify, the plan's moves whose login the registry accepts; the others are left, with the reason. */
async function verifiedMoves(
  plan: ReturnType<typeof planMigration>,
  verify: boolean,
  report: MigrateReport,
  ctx: CommandContext,
  timeoutMs: number,
): Promise<PlaintextCredential[]> {
  if (!verify) return plan.move;
  const movable: PlaintextCredential[] = [];
  for (const credential of plan.move) {
    try {
      await ctx.registry.checkLogin({
        ...(await registryTarget(credential.registry, {}, ctx, timeoutMs)),
        username: credential.username,
        secret: credential.secret,
      });
      movable.push(credential);
    } catch (error) {
      report.left.push({ registry: credential.entry, reason: `--verify failed: ${oneLine(error)}` });
      for (const same of plan.alsoRemove.filter((c) => c.registry === credential.registry))
        report.left.push({ registry: same.entry, reason: `--verify failed for the same login under ${credential.entry}` });
    }
  }
  return movable;
}

/**
 * Each credential stored and read back, then config.json rewritten without the fields each one
 * accounts for, and with credsStore dcm. Nothing is removed unless everything was stored.
 * Returns the backup written, if one was.
 */
async function moveIntoStore(
  movable: PlaintextCredential[],
  alsoRemove: PlaintextCredential[],
  store: CredentialStore,
  file: DockerConfigFile,
): Promise<string | null> {
  for (const credential of movable) {
    if (!(await store.storeVerified(credential.registry, { username: credential.username, secret: credential.secret }))) {
      throw new MigrationFailed(`the keychain did not give back what was written for ${credential.registry}; config.json was not changed`);
    }
  }
  const movedRegistries = new Set(movable.map((c) => c.registry));
  const removals = new Map<string, readonly string[]>();
  for (const credential of [...movable, ...alsoRemove.filter((c) => movedRegistries.has(c.registry))]) removals.set(credential.entry, credential.fields);
  const next = removals.size > 0 ? withoutFields(file.data, removals) : { ...file.data };
  next.credsStore = 'dcm';
  if (JSON.stringify(next) === JSON.stringify(file.data)) return null;
  const backup = backupOnce(file.path) ?? null;
  writeDockerConfig({ ...file, data: next });
  return backup;
}

function render(report: MigrateReport): string {
  const verb = report.dryRun ? 'would move' : 'moved';
  const lines: string[] = [];
  if (report.moved.length === 0 && report.left.length === 0) lines.push(`No plaintext credentials in ${report.configPath}.`);
  for (const m of report.moved) lines.push(`${verb} ${m.registry} (${m.username ?? 'identity token'}) to the keychain`);
  for (const l of report.left) lines.push(`left ${l.registry} in config.json: ${l.reason}`);
  if (!report.dryRun) lines.push(`credsStore is dcm in ${report.configPath}${report.backup ? ` (backup of the original: ${report.backup})` : ''}`);
  else lines.push('dry run: nothing was changed');
  return `${lines.join('\n')}\n`;
}
