/**
 * `dcm migrate`: move every credential out of config.json into the keychain.
 *
 * Order, so that an interruption at any instant loses nothing: every credential is written to
 * the keychain and read back first; only then is config.json rewritten without the secrets, in
 * one atomic write (temporary file, fsync, rename). Killed before the rename, the old file is
 * intact and the keychain holds copies; after it, the keychain holds everything.
 */
import { ItemError, MigrationFailed, SilentExit, UsageError, oneLine, type StoreName } from '../../errors.ts';
import { TOKEN_USERNAME } from '../../docker/server-address.ts';
import { openCredentialStore, storeName } from '../../store/select.ts';
import { findPlaintext, withoutFields, type PlaintextCredential } from '../../docker/auths.ts';
import { backupOnce, dockerConfigPath, readDockerConfig, writeDockerConfig, type DockerConfigFile } from '../../docker/config-file.ts';
import type { CredentialStore } from '../../store/credential-store.ts';
import { checkLogin } from '../../registry/login.ts';
import type { CliIo } from '../io.ts';
import { terminalPrompter } from '../prompt.ts';
import { openStore, parseTimeout, recordStore, registryTarget } from '../shared.ts';

export interface MigrateOptions {
  dryRun?: boolean;
  verify?: boolean;
  fromStore?: string;
  toStore?: string;
  yes?: boolean;
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

export async function migrate(options: MigrateOptions, io: CliIo): Promise<void> {
  if (options.fromStore !== undefined || options.toStore !== undefined) return migrateStores(options, io);
  const path = dockerConfigPath(io.env);
  const file = readDockerConfig(path);
  const { credentials, unusable } = findPlaintext(file.data);
  const store = await openStore(io);
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

  const movable = await verifiedMoves(plan, options.verify === true, report, io, timeoutMs);
  if (!options.dryRun) {
    report.backup = await moveIntoStore(movable, plan.alsoRemove, store, file);
    report.credsStore = 'dcm';
  } else {
    report.credsStore = typeof file.data.credsStore === 'string' ? file.data.credsStore : null;
  }
  report.moved = movable.map((c) => ({ registry: c.registry, username: c.kind === 'identity-token' ? null : c.username, kind: c.kind }));

  if (options.json) {
    io.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    io.stdout.write(render(report));
  }
  if (report.left.length > 0) throw new SilentExit('failure');
}

/** With --verify, the plan's moves whose login the registry accepts; the others are left, with the reason. */
async function verifiedMoves(
  plan: ReturnType<typeof planMigration>,
  verify: boolean,
  report: MigrateReport,
  io: CliIo,
  timeoutMs: number,
): Promise<PlaintextCredential[]> {
  if (!verify) return plan.move;
  const movable: PlaintextCredential[] = [];
  for (const credential of plan.move) {
    try {
      await checkLogin({ ...(await registryTarget(credential.registry, {}, io, timeoutMs)), username: credential.username, secret: credential.secret });
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

/**
 * Logins kept until removed, moved into a store that forgets them after their time to live: said
 * first, and asked at a terminal; anywhere else only `--yes` goes on (a script must mean it).
 */
async function confirmForgetting(from: StoreName, io: CliIo): Promise<void> {
  const { cacheTtlMs } = await import('../../store/cache.ts');
  const hours = cacheTtlMs(io.env) / 3_600_000;
  const ttl = hours >= 1 ? `${Number(hours.toFixed(1))} h` : `${Math.round(hours * 60)} min`;
  const warning = `the cache store forgets every login ${ttl} after it is stored (DCM_CACHE_TTL), and the ${from} store keeps them until they are removed: once moved, they are gone after ${ttl}`;
  if (!io.isTTY) throw new UsageError(`${warning}; run again with --yes to move them anyway (nothing was moved)`);
  io.stderr.write(`dcm: ${warning}\n`);
  if (!(await terminalPrompter(io).confirm('Move them to the cache store anyway?'))) {
    io.stderr.write('dcm: nothing was moved\n');
    throw new SilentExit('failure');
  }
}

/**
 * `--from-store A --to-store B`: every login dcm keeps in A, written to B and read back, and only
 * then erased from A. Killed at any instant, a login is in A, in B, or in both; an item of
 * another program in A is left there and reported. Then B is recorded as dcm's store.
 */
async function migrateStores(options: MigrateOptions, io: CliIo): Promise<void> {
  if (options.fromStore === undefined || options.toStore === undefined) throw new UsageError('--from-store and --to-store go together');
  if (options.verify) throw new UsageError('--verify checks config.json credentials; it does not go with --from-store');
  const from = storeName(options.fromStore, '--from-store');
  const to = storeName(options.toStore, '--to-store');
  if (from === to) throw new UsageError(`--from-store and --to-store are both ${from}`);
  if (to === 'cache' && !options.dryRun && !options.yes) await confirmForgetting(from, io);
  const source = await openCredentialStore({ ...io.env, DCM_STORE: from }, io.storeHooks);
  const target = await openCredentialStore({ ...io.env, DCM_STORE: to }, io.storeHooks);
  const moved: Array<{ registry: string; username: string | null }> = [];
  const left: Array<{ registry: string; reason: string }> = [];
  for (const registry of await source.allKeys()) {
    const outcome = await moveBetweenStores(registry, { source, target, from, to, dryRun: options.dryRun === true });
    if (outcome.moved) moved.push(outcome.moved);
    if (outcome.left) left.push({ registry, reason: outcome.left });
  }
  if (!options.dryRun && left.length === 0) recordStore(to, io.env);
  const report = { from, to, dryRun: options.dryRun === true, moved, left, store: options.dryRun || left.length > 0 ? from : to };
  io.stdout.write(options.json ? `${JSON.stringify(report)}\n` : renderStoreMove(report));
  if (left.length > 0) throw new SilentExit('failure');
}

/** One login from one store to the other: written and read back before it is erased from the first. */
async function moveBetweenStores(
  registry: string,
  { source, target, from, to, dryRun }: { source: CredentialStore; target: CredentialStore; from: StoreName; to: StoreName; dryRun: boolean },
): Promise<{ moved?: { registry: string; username: string | null }; left?: string }> {
  let login: Awaited<ReturnType<typeof source.get>>;
  try {
    login = await source.get(registry);
  } catch (error) {
    if (!(error instanceof ItemError)) throw error;
    return { left: oneLine(error) };
  }
  if (!login) return {};
  const existing = await target.get(registry);
  if (existing && !sameLogin(existing, login))
    return { left: `the ${to} store already holds a different login for ${registry}; remove one of them, then migrate again` };
  if (!dryRun) {
    if (!(await target.storeVerified(registry, login)))
      throw new MigrationFailed(`the ${to} store did not give back what was written for ${registry}; it stays in the ${from} store`);
    await source.erase(registry);
  }
  return { moved: { registry, username: login.username === TOKEN_USERNAME ? null : login.username } };
}

function renderStoreMove(report: {
  from: StoreName;
  to: StoreName;
  dryRun: boolean;
  moved: Array<{ registry: string; username: string | null }>;
  left: Array<{ registry: string; reason: string }>;
}): string {
  const verb = report.dryRun ? 'would move' : 'moved';
  const lines = report.moved.map((m) => `${verb} ${m.registry} (${m.username ?? 'identity token'}) from the ${report.from} store to the ${report.to} store`);
  for (const l of report.left) lines.push(`left ${l.registry} in the ${report.from} store: ${l.reason}`);
  if (lines.length === 0) lines.push(`The ${report.from} store holds no logins.`);
  if (!report.dryRun && report.left.length === 0) lines.push(`dcm keeps credentials in the ${report.to} store from now on`);
  return `${lines.join('\n')}\n`;
}
