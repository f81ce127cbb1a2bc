/**
 * `dcm check`: do the stored logins still work? All registries at once, each with a timeout;
 * exits non-zero when any fails. What a CI job runs before it needs its registries.
 */
import { normaliseServerUrl } from '../../../docker/server-address.ts';
import { CacheExpired, CredentialsRejected, DcmError, SilentExit, UsageError, oneLine, type ExitCodeName } from '../../../errors.ts';
import { describeExpiry, expiryStatus, parseDuration } from '../../../registry/expiry.ts';
import type { CommandContext } from '../../context.ts';
import { readBindings } from '../../provider-bindings.ts';
import { renderTable } from '../../render.ts';
import { profileFor } from '../../../registry/profiles.ts';
import { credentialsOf, dockerLogins, expiryOf, failureCode, sourceLabel, type LoginRow } from '../../logins.ts';
import { parseTimeout, registryTarget } from '../../registry-target.ts';
import type { LoginEntry } from '../../store-access.ts';
import type { CheckOptions } from './command.ts';

/** One line of `dcm check --json`. */
export interface CheckResult extends Omit<LoginEntry, 'kind'> {
  kind: LoginEntry['kind'] | null;
  source: LoginRow['source'] | null;
  store: LoginRow['store'];
  ok: boolean;
  /**
   * `ok`, `not-logged-in`, `expired` or `expiring` (both exit 3, as credentials), or the
   * failure class: credentials, network, tls, registry, usage, keychain, failure.
   */
  status: 'ok' | 'not-logged-in' | 'expired' | 'expiring' | ExitCodeName;
  message: string;
  /** When the secret stops working, as it says itself (ISO 8601 UTC), or null when unknown. */
  expiresAt: string | null;
  durationMs: number;
}

export async function check(servers: string[], options: CheckOptions, ctx: CommandContext): Promise<void> {
  const now = ctx.now();
  if (options.all && servers.length > 0) throw new UsageError('give SERVERs or --all, not both');
  const windowMs = expiryWindow(options.expiringWithin);
  // Every login `dcm ls` shows, from every source Docker reads; a source that fails is a warning.
  const { rows, failures: all, config } = await dockerLogins(ctx);
  const named = [...new Set(servers.map(normaliseServerUrl))];
  // dcm's own store, when Docker is not pointed at it (a runner with logins in config.json and
  // no keychain), is not where Docker looks: a warning, never the exit code.
  const usesDcm = dockerUsesDcm(config);
  for (const failure of all) {
    const uncounted = failure.source === 'dcm' && !usesDcm ? ' (Docker does not use dcm here: this does not count)' : '';
    ctx.stderr.write(`dcm: warning: ${sourceLabel(failure.source)} could not be read: ${oneLine(failure.error)}${uncounted}\n`);
  }
  // Named registries decide the exit code by their own checks; otherwise a source Docker reads that failed counts.
  const failures = named.length > 0 ? [] : all.filter((failure) => failure.source !== 'dcm' || usesDcm);
  const wanted = toCheck(named, rows);
  if (wanted.length === 0) {
    // Nothing to check is a failure: a CI job whose login step was skipped must not pass here.
    if (options.json) ctx.stdout.write(`${JSON.stringify({ ok: false, results: [] })}\n`);
    else ctx.stderr.write('dcm: no logins to check: Docker has none here (dcm login HOST, or docker login)\n');
    throw new SilentExit(failures.length > 0 ? failureCode(failures[0]!) : 'notFound');
  }

  // At a terminal a slow registry must not look like a hang: a line now, and one per registry as
  // it finishes; the table, in its stable order, follows on stdout. Not on a pipe, not with --json.
  const live = ctx.isTTY && !options.json;
  if (live) ctx.stderr.write(`checking ${wanted.length} registr${wanted.length === 1 ? 'y' : 'ies'}…\n`);
  const context: CheckContext = { ctx, options, config, now, windowMs, timeoutMs: parseTimeout(options.timeout) };
  const results = await Promise.all(
    wanted.map(async (one) => {
      const result = await checkOne(one, context);
      if (live) ctx.stderr.write(`  ${result.ok ? '✓' : '✗'} ${result.registry}: ${result.status} (${(result.durationMs / 1000).toFixed(1)} s)\n`);
      return result;
    }),
  );

  const ok = results.every((r) => r.ok);
  if (options.json) ctx.stdout.write(`${JSON.stringify({ ok, results })}\n`);
  else
    ctx.stdout.write(
      renderTable(
        ['REGISTRY', 'USERNAME', 'STATUS', 'DETAIL'],
        results.map((r) => [r.registry, r.username ?? (r.kind ? '(identity token)' : '-'), r.status, r.message]),
      ),
    );
  const firstFailure = results.find((r) => !r.ok);
  if (!firstFailure && failures.length > 0) throw new SilentExit(failureCode(failures[0]!));
  // The exit code of the first failing login's class (README: exit codes).
  if (firstFailure) throw new SilentExit(exitClassOf(firstFailure.status));
}

/** `--expiring-within` as milliseconds; undefined when not given. */
function expiryWindow(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  if (ms === undefined) throw new UsageError(`--expiring-within takes a duration such as 30m, 12h or 7d, not ${JSON.stringify(raw).slice(0, 40)}`);
  return ms;
}

/** Whether Docker asks dcm for anything: credsStore, or any credHelpers entry. Pure. */
function dockerUsesDcm(config: Record<string, unknown>): boolean {
  const helpers = config.credHelpers;
  return config.credsStore === 'dcm' || (typeof helpers === 'object' && helpers !== null && Object.values(helpers).includes('dcm'));
}

/** The logins to check: each named registry (with its rows, or none), else every row. Pure. */
function toCheck(named: string[], rows: LoginRow[]): Array<{ registry: string; row?: LoginRow }> {
  if (named.length === 0) return rows.map((row) => ({ registry: row.registry, row }));
  return named.flatMap((registry) => {
    const found = rows.filter((row) => row.registry === registry);
    return found.length > 0 ? found.map((row) => ({ registry, row })) : [{ registry }];
  });
}

interface CheckContext {
  ctx: CommandContext;
  options: CheckOptions;
  config: Record<string, unknown>;
  now: Date;
  windowMs: number | undefined;
  timeoutMs: number;
}

/** One login, checked: from its secret's own expiry first, then against its registry. */
async function checkOne({ registry, row }: { registry: string; row?: LoginRow }, context: CheckContext): Promise<CheckResult> {
  const { ctx, options, config, now, windowMs, timeoutMs } = context;
  const started = ctx.now().getTime();
  const base = {
    registry,
    username: row?.username ?? null,
    kind: row?.kind ?? null,
    source: row?.source ?? null,
    store: row?.store ?? null,
    expiresAt: null as string | null,
  };
  try {
    const login = row ? await credentialsOf(ctx, row, config) : undefined;
    if (!login) return { ...base, ok: false, status: 'not-logged-in', message: `no stored login; run: dcm login ${registry}`, durationMs: 0 };
    base.expiresAt = expiryOf(registry, login.secret);
    // Known from the secret itself, before anyone is asked: the window a CI job refreshes in.
    const soon = windowMs === undefined ? undefined : expiryStatus(base.expiresAt ? new Date(base.expiresAt) : undefined, now, windowMs);
    if (soon)
      return {
        ...base,
        ok: false,
        status: soon,
        message: expiringMessage(registry, base.expiresAt!, soon, options, now),
        durationMs: ctx.now().getTime() - started,
      };
    const bound = row?.kind.startsWith('provider:') === true;
    // A pattern names no registry to ask: a token minted (or cached) for it is all there is to check.
    if (bound && registry.includes('*'))
      return {
        ...base,
        ok: true,
        status: 'ok',
        message: `${row!.kind}: a token was minted; a pattern names no registry to ask`,
        durationMs: ctx.now().getTime() - started,
      };
    const result = await ctx.registry
      .checkLogin({ ...(await registryTarget(registry, options, ctx, timeoutMs)), username: login.username, secret: login.secret })
      .catch(async (error: unknown) => {
        // A refused token is never served again: the next get mints a new one.
        if (bound && error instanceof CredentialsRejected) await forgetRefused(ctx, registry);
        throw error;
      });
    const message =
      result.auth === 'none' ? 'registry allows anonymous access: credentials not verified' : `${result.auth} auth accepted at ${result.endpoint}`;
    return { ...base, ok: true, status: 'ok', message, durationMs: ctx.now().getTime() - started };
  } catch (error) {
    return { ...base, ok: false, status: failureStatus(error), message: oneLine(error), durationMs: ctx.now().getTime() - started };
  }
}

function expiringMessage(registry: string, expiresAt: string, soon: 'expired' | 'expiring', options: CheckOptions, now: Date): string {
  const refresh = profileFor(registry).refresh?.(registry) ?? `dcm login ${registry}`;
  const within = soon === 'expiring' ? `, within --expiring-within ${options.expiringWithin}` : '';
  return `${describeExpiry(new Date(expiresAt), now)}${within}; get a new one: ${refresh}`;
}

async function forgetRefused(ctx: CommandContext, registry: string): Promise<void> {
  const binding = readBindings(ctx.env).bindings.find((b) => b.pattern === registry);
  if (!binding) return;
  const { markRefused } = await import('../../../providers/tokens.ts');
  await markRefused(await ctx.openStore(), binding, registry, ctx.env, ctx.now().getTime()).catch(() => undefined);
}

/** A failed check's status: expired (the registry or the cache said so), else the error's class. Pure. */
function failureStatus(error: unknown): CheckResult['status'] {
  if ((error instanceof CredentialsRejected && error.expired) || error instanceof CacheExpired) return 'expired';
  return error instanceof DcmError ? error.code : 'failure';
}

/** The exit-code class of a check's status (README: exit codes). */
function exitClassOf(status: CheckResult['status']): ExitCodeName {
  if (status === 'not-logged-in') return 'notFound';
  if (status === 'expired' || status === 'expiring') return 'credentials';
  return status === 'ok' ? 'ok' : status;
}
