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
import { openStore, parseTimeout, toEntries, type LoginEntry, type RegistryOptions } from '../shared.ts';

export interface CheckOptions extends RegistryOptions {
  all?: boolean;
  json?: boolean;
}

/** One line of `dcm check --json`. */
export interface CheckResult extends Omit<LoginEntry, 'kind'> {
  kind: LoginEntry['kind'] | null;
  ok: boolean;
  /** `ok`, `not-logged-in`, or the failure class: credentials, network, tls, registry, usage, keychain, failure. */
  status: 'ok' | 'not-logged-in' | ExitCodeName;
  message: string;
  durationMs: number;
}

export async function check(servers: string[], options: CheckOptions, io: CliIo): Promise<void> {
  if (options.all && servers.length > 0) throw new UsageError('give SERVERs or --all, not both');
  const timeoutMs = parseTimeout(options.timeout);
  const store = openStore(io);
  const stored = toEntries(await store.list());
  const wanted = servers.length > 0 ? [...new Set(servers.map(normaliseServerUrl))] : stored.map((e) => e.registry);
  if (wanted.length === 0) {
    if (options.json) io.stdout.write(`${JSON.stringify({ ok: true, results: [] })}\n`);
    else io.stdout.write('No stored logins to check.\n');
    return;
  }

  const results = await Promise.all(
    wanted.map(async (registry): Promise<CheckResult> => {
      const started = Date.now();
      const entry = stored.find((e) => e.registry === registry);
      const base = { registry, username: entry?.username ?? null, kind: entry?.kind ?? null };
      try {
        const login = await store.get(registry);
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
  // The exit code of the first failing login's class (README: exit codes).
  if (firstFailure) throw new SilentExit(firstFailure.status === 'not-logged-in' ? 'notFound' : (firstFailure.status as ExitCodeName));
}
