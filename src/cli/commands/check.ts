/**
 * `dcm check`: do the stored logins still work? All registries at once, each with a timeout;
 * exits non-zero when any fails. What a CI job runs before it needs its registries.
 */
import { normaliseServerUrl } from '../../docker/server-address.ts';
import { DcmError, SilentExit, UsageError, oneLine, type ExitCodeName } from '../../errors.ts';
import { checkLogin } from '../../registry/login.ts';
import { apiHost } from '../../registry/profiles.ts';
import type { CliIo } from '../io.ts';
import { renderTable } from '../render.ts';
import { credentialsOf, dockerLogins, failureCode, sourceLabel, type LoginRow } from '../logins.ts';
import { parseTimeout, type LoginEntry, type RegistryOptions } from '../shared.ts';

export interface CheckOptions extends RegistryOptions {
  all?: boolean;
  json?: boolean;
}

/** One line of `dcm check --json`. */
export interface CheckResult extends Omit<LoginEntry, 'kind'> {
  kind: LoginEntry['kind'] | null;
  source: LoginRow['source'] | null;
  store: LoginRow['store'];
  ok: boolean;
  /** `ok`, `not-logged-in`, or the failure class: credentials, network, tls, registry, usage, keychain, failure. */
  status: 'ok' | 'not-logged-in' | ExitCodeName;
  message: string;
  durationMs: number;
}

export async function check(servers: string[], options: CheckOptions, io: CliIo): Promise<void> {
  if (options.all && servers.length > 0) throw new UsageError('give SERVERs or --all, not both');
  const timeoutMs = parseTimeout(options.timeout);
  // Every login `dcm ls` shows, from every source Docker reads; a source that fails is a warning.
  const { rows, failures, config } = await dockerLogins(io);
  for (const failure of failures) io.stderr.write(`dcm: warning: ${sourceLabel(failure.source)} could not be read: ${oneLine(failure.error)}\n`);
  const named = [...new Set(servers.map(normaliseServerUrl))];
  const wanted: Array<{ registry: string; row?: LoginRow }> =
    named.length > 0
      ? named.flatMap((registry) => {
          const found = rows.filter((row) => row.registry === registry);
          return found.length > 0 ? found.map((row) => ({ registry, row })) : [{ registry }];
        })
      : rows.map((row) => ({ registry: row.registry, row }));
  if (wanted.length === 0) {
    if (options.json) io.stdout.write(`${JSON.stringify({ ok: failures.length === 0, results: [] })}\n`);
    else if (failures.length === 0) io.stdout.write('No stored logins to check.\n');
    if (failures.length > 0) throw new SilentExit(failureCode(failures[0]!));
    return;
  }

  const results = await Promise.all(
    wanted.map(async ({ registry, row }): Promise<CheckResult> => {
      const started = Date.now();
      const base = { registry, username: row?.username ?? null, kind: row?.kind ?? null, source: row?.source ?? null, store: row?.store ?? null };
      try {
        const login = row ? await credentialsOf(io, row, config) : undefined;
        if (!login) return { ...base, ok: false, status: 'not-logged-in', message: `no stored login; run: dcm login ${registry}`, durationMs: 0 };
        const result = await checkLogin({
          host: apiHost(registry),
          username: login.username,
          secret: login.secret,
          certDir: options.certDir,
          insecure: options.insecure,
          timeoutMs,
          env: io.env,
        });
        const message =
          result.auth === 'none' ? 'registry allows anonymous access: credentials not verified' : `${result.auth} auth accepted at ${result.endpoint}`;
        return { ...base, ok: true, status: 'ok', message, durationMs: Date.now() - started };
      } catch (error) {
        const status = error instanceof DcmError ? error.code : 'failure';
        return { ...base, ok: false, status, message: oneLine(error), durationMs: Date.now() - started };
      }
    }),
  );

  const ok = results.every((r) => r.ok);
  if (options.json) io.stdout.write(`${JSON.stringify({ ok, results })}\n`);
  else
    io.stdout.write(
      renderTable(
        ['REGISTRY', 'USERNAME', 'STATUS', 'DETAIL'],
        results.map((r) => [r.registry, r.username ?? (r.kind ? '(identity token)' : '-'), r.status, r.message]),
      ),
    );
  const firstFailure = results.find((r) => !r.ok);
  if (!firstFailure && failures.length > 0) throw new SilentExit(failureCode(failures[0]!));
  // The exit code of the first failing login's class (README: exit codes).
  if (firstFailure) throw new SilentExit(firstFailure.status === 'not-logged-in' ? 'notFound' : (firstFailure.status as ExitCodeName));
}
