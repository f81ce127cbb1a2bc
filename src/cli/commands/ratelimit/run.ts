/**
 * `dcm ratelimit`: Docker Hub's pull limits for the anonymous address or the stored account,
 * for people (text) and for CI and monitoring (JSON, Prometheus, GitHub Actions outputs).
 */
import { DcmError, ThresholdError, UsageError } from '../../../errors.ts';
import { writeFileAtomically } from '../../../platform/atomic-file.ts';
import { appendToRegularFile, describeErrno } from '../../../platform/files.ts';
import type { RateLimitReport } from '../../../registry/ratelimit-check.ts';
import { humanWindow } from '../../../platform/durations.ts';
import { isIpAddress } from '../../../registry/ratelimit.ts';
import { DOCKER_HUB_KEY, normaliseServerUrl } from '../../../docker/server-address.ts';
import { profileFor } from '../../../registry/profiles.ts';
import type { CommandContext } from '../../context.ts';
import { readBounded } from '../../../helper/io.ts';
import { MAX_INPUT_BYTES } from '../../../docker/helper-protocol.ts';
import { dockerLogin } from '../../logins.ts';
import { outputFileLines, workflowCommand } from '../../github.ts';
import { parseTimeout, registryTarget } from '../../registry-target.ts';
import type { RateLimitOptions } from './command.ts';
import { inline } from '../../terminal.ts';

/** What `--json` prints: exactly these keys. */
export interface RateLimitJson {
  registry: string;
  repository: string;
  authenticated: boolean;
  account: string | null;
  limit: number | null;
  remaining: number | null;
  windowSeconds: number | null;
  source: string | null;
  unlimited: boolean;
}

const FORMATS = ['text', 'json', 'prometheus', 'github'] as const;
type Format = (typeof FORMATS)[number];

/** Below this share of the limit, text output warns (and GitHub output annotates) even without --fail-under. */
const WARN_SHARE = 0.2;

export async function ratelimit(options: RateLimitOptions, ctx: CommandContext): Promise<void> {
  const format = chooseFormat(options);
  if (options.output !== undefined && format !== 'prometheus') throw new UsageError('--output goes with --format prometheus');
  if (options.output !== undefined) return prometheusFile(options, ctx, options.output);
  if (format !== 'github') return check(options, ctx, format);
  // On a runner: a failure is an annotation on the run page, and the outputs are still written
  // (empty, authenticated=false), so that a later step can branch on them.
  try {
    await check(options, ctx, format);
  } catch (error) {
    if (!(error instanceof DcmError) || error instanceof ThresholdError || !ctx.env.GITHUB_OUTPUT) throw error;
    const failed: RateLimitJson = {
      registry: options.registry ?? DOCKER_HUB_KEY,
      repository: options.repository ?? '',
      authenticated: false,
      account: null,
      limit: null,
      remaining: null,
      windowSeconds: null,
      source: null,
      unlimited: false,
    };
    try {
      appendToRegularFile(ctx.env.GITHUB_OUTPUT, renderGithubOutput(failed));
    } catch {
      // The error below is the one to report.
    }
    (ctx.workflowCommand ?? ((text) => ctx.stdout.write(text)))(workflowCommand('error', { title: 'dcm ratelimit' }, error.message));
    throw error;
  }
}

/**
 * `--format prometheus --output FILE`: the textfile collector reads FILE at any moment, so it is
 * replaced whole (written beside it, then renamed), and a failed check writes
 * `dcm_ratelimit_success 0` rather than nothing, so that an alert can fire on it.
 */
async function prometheusFile(options: RateLimitOptions, ctx: CommandContext, path: string): Promise<void> {
  let text = '';
  const capture: CommandContext = {
    ...ctx,
    stdout: {
      write: (chunk: string) => {
        text += chunk;
      },
    },
  };
  const success = (value: number) =>
    `# HELP dcm_ratelimit_success 1 when the last check of the pull limit succeeded.\n# TYPE dcm_ratelimit_success gauge\ndcm_ratelimit_success ${value}\n`;
  const write = (content: string) => {
    try {
      writeFileAtomically(path, content, { mode: 0o644 });
    } catch (error) {
      throw new UsageError(`--output ${path}: ${describeErrno(error)}`);
    }
  };
  try {
    await check(options, capture, 'prometheus');
  } catch (error) {
    write(error instanceof ThresholdError ? `${text}${success(1)}` : success(0));
    throw error;
  }
  write(`${text}${success(1)}`);
}

async function check(options: RateLimitOptions, ctx: CommandContext, format: Format): Promise<void> {
  const failUnder = options.failUnder === undefined ? undefined : parseCount(options.failUnder);
  const timeoutMs = parseTimeout(options.timeout);
  // The stored login is under Docker's key for the registry; the check goes to its API host.
  const key = normaliseServerUrl(options.registry ?? DOCKER_HUB_KEY);
  const repository = repositoryFor(key, options.repository);
  if (format === 'github' && !ctx.env.GITHUB_OUTPUT) throw new UsageError('--format github writes to the file named by GITHUB_OUTPUT, which is not set');
  const stored = await credentialsFor(key, options, ctx);
  const target = await registryTarget(key, options, ctx, timeoutMs);
  const report = await ctx.registry.checkRateLimit({
    registry: target.host,
    repository,
    credentials: stored ? { username: stored.username, secret: stored.secret } : undefined,
    certDir: target.certDir,
    insecure: target.insecure,
    timeoutMs,
    env: ctx.env,
  });
  // The stored username that was used (`<token>` for an identity token), or null when anonymous.
  const json: RateLimitJson = {
    registry: report.registry,
    repository: report.repository,
    authenticated: report.authenticated,
    account: report.authenticated ? (stored?.username ?? null) : null,
    limit: report.limit,
    remaining: report.remaining,
    windowSeconds: report.windowSeconds,
    source: report.source,
    unlimited: report.unlimited,
  };
  const threshold = failUnder ?? (report.limit !== null ? Math.ceil(report.limit * WARN_SHARE) : undefined);
  const low = !report.unlimited && report.remaining !== null && threshold !== undefined && report.remaining < threshold;
  writeReport(format, json, report, low, ctx);
  // Outputs first (a later CI step may branch on them), then the failure: no pulls are left.
  if (report.exhausted) {
    const line = `pull limit exhausted on ${report.registry}${report.message ? `: ${report.message}` : ''}`;
    if (format === 'github') (ctx.workflowCommand ?? ((text) => ctx.stdout.write(text)))(workflowCommand('error', { title: 'Docker Hub pull limit' }, line));
    throw new ThresholdError(line);
  }
  if (failUnder !== undefined && !report.unlimited && (report.remaining ?? 0) < failUnder) {
    throw new ThresholdError(`${report.remaining ?? 0} pulls left on ${report.registry}, fewer than --fail-under ${failUnder}`);
  }
}

/** The repository whose manifest is HEADed: given, the registry's own, or Docker's test image. */
function repositoryFor(key: string, given: string | undefined): string {
  const repository = given ?? profileFor(key).rateLimitRepository ?? 'ratelimitpreview/test';
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repository)) {
    throw new UsageError(`--repository ${JSON.stringify(repository).slice(0, 80)} is not a repository name (e.g. library/alpine)`);
  }
  return repository;
}

/**
 * A one-off login from stdin (stored nowhere), else the login Docker itself would use, wherever
 * Docker keeps it (config.json, another helper, dcm); none with --anonymous.
 */
async function credentialsFor(key: string, options: RateLimitOptions, ctx: CommandContext): Promise<{ username: string; secret: string } | undefined> {
  if (Boolean(options.username) !== Boolean(options.passwordStdin))
    throw new UsageError('-u/--username and --password-stdin go together: the password is read from stdin, never from the command line');
  if (options.username && options.anonymous) throw new UsageError('--anonymous and --username contradict each other; give one');
  if (options.anonymous) return undefined;
  if (!options.username) return dockerLogin(ctx, key);
  const secret = (await readBounded(ctx.stdin as AsyncIterable<Uint8Array>, MAX_INPUT_BYTES)).replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError('--password-stdin read an empty password');
  return { username: options.username, secret };
}

/** The report in the chosen format; for GitHub, the step outputs, the job summary and the annotation too. */
function writeReport(format: Format, json: RateLimitJson, report: RateLimitReport, low: boolean, ctx: CommandContext): void {
  if (format === 'json') return void ctx.stdout.write(`${JSON.stringify(json)}\n`);
  if (format === 'prometheus') return void ctx.stdout.write(renderPrometheus(json));
  if (format !== 'github') return void ctx.stdout.write(renderText(json, report, low));
  appendOrRefuse('GITHUB_OUTPUT', ctx.env.GITHUB_OUTPUT!, renderGithubOutput(json));
  // The run page's job summary, when the runner offers one.
  if (ctx.env.GITHUB_STEP_SUMMARY) appendOrRefuse('GITHUB_STEP_SUMMARY', ctx.env.GITHUB_STEP_SUMMARY, renderStepSummary(json, low));
  ctx.stdout.write(renderText(json, report, low, ctx.env.GITHUB_ACTIONS === 'true'));
  if (low) (ctx.workflowCommand ?? ((line) => ctx.stdout.write(line)))(workflowCommand('warning', { title: 'Docker Hub pull limit' }, warningLine(json)));
}

function appendOrRefuse(variable: string, path: string, text: string): void {
  try {
    appendToRegularFile(path, text);
  } catch (error) {
    throw new UsageError(`${variable}: ${(error as Error).message}`);
  }
}

function chooseFormat(options: RateLimitOptions): Format {
  if (options.json && options.format && options.format !== 'json') throw new UsageError('--json and --format disagree; give one');
  const format = options.json ? 'json' : (options.format ?? 'text');
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  return format as Format;
}

function parseCount(raw: string): number {
  if (!/^\d{1,9}$/.test(raw.trim())) throw new UsageError(`--fail-under takes a whole number of pulls, not ${JSON.stringify(raw).slice(0, 40)}`);
  return Number(raw.trim());
}

/** Who the registry counts the pulls for, as its `docker-ratelimit-source` says. */
function countedFor(json: Pick<RateLimitJson, 'source' | 'authenticated' | 'account'>): string {
  if (json.source && isIpAddress(json.source))
    return `the IP address ${json.source} (anonymous pulls${json.authenticated ? '?! credentials were sent, but the registry counted the address' : ''})`;
  if (json.source) return `the account ${json.source}${json.account ? ` (signed in as ${json.account})` : ''}`;
  return json.authenticated ? `the stored account${json.account ? ` ${json.account}` : ''}` : 'this address (anonymous)';
}

function renderText(raw: RateLimitJson, report: Pick<RateLimitReport, 'exhausted' | 'message'>, low: boolean, onRunner = false): string {
  // Each value from outside (the registry's headers, a stored username) stays on its own line.
  const json = {
    ...raw,
    registry: inline(raw.registry),
    repository: inline(raw.repository),
    source: raw.source && inline(raw.source),
    account: raw.account && inline(raw.account),
  };
  const lines = [`Pull rate limit for ${json.registry} (checked with ${json.repository}, a HEAD request that does not count as a pull)`];
  lines.push(`  counted for: ${countedFor(json)}`);
  if (json.unlimited) {
    lines.push('  limit:       none reported: these pulls are not metered (a paid plan, or an exempt address or image)');
  } else {
    const window = json.windowSeconds !== null ? ` per ${humanWindow(json.windowSeconds)}` : '';
    lines.push(`  limit:       ${json.limit ?? 'unknown'} pulls${window}`);
    lines.push(`  remaining:   ${json.remaining ?? 'unknown'}`);
  }
  // An exhausted limit is an error (exit 6, on stderr): main() says so after the outputs are written.
  if (!report.exhausted && low) lines.push(`warning: only ${json.remaining} pulls left in this window`);
  if (!json.authenticated && !json.unlimited)
    lines.push(
      onRunner
        ? "hint: signed-in pulls have a higher limit: give the action's username and token inputs (or run docker/login-action before it)"
        : 'hint: signed-in pulls have a higher limit: dcm login',
    );
  return `${lines.join('\n')}\n`;
}

function warningLine(json: RateLimitJson): string {
  return `only ${json.remaining} of ${json.limit ?? '?'} pulls left on ${json.registry} for ${json.source ?? 'this runner'}`;
}

/** Prometheus text exposition format, for node_exporter's textfile collector. */
function renderPrometheus(json: RateLimitJson): string {
  const labels = Object.entries({
    registry: json.registry,
    repository: json.repository,
    authenticated: String(json.authenticated),
    account: json.account ?? '',
    source: json.source ?? '',
  })
    // The exposition format escapes only \\, \" and \n in a label: other control characters become '?'.
    .map(
      ([k, v]) =>
        `${k}="${v
          .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, '?')
          .replace(/\\/g, '\\\\')
          .replace(/"/g, '\\"')
          .replace(/\n/g, '\\n')}"`,
    )
    .join(',');
  const metric = (name: string, help: string, value: number | null) =>
    value === null ? [] : [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}{${labels}} ${value}`];
  return `${[
    ...metric('dcm_registry_pull_limit', 'Pulls allowed per window by the registry (ratelimit-limit).', json.limit),
    ...metric('dcm_registry_pull_remaining', 'Pulls left in the current window (ratelimit-remaining).', json.remaining),
    ...metric('dcm_registry_pull_window_seconds', 'Length of the rate-limit window in seconds.', json.windowSeconds),
    ...metric('dcm_registry_pull_unlimited', '1 when the registry reported no pull limit (pulls not metered).', json.unlimited ? 1 : 0),
  ].join('\n')}\n`;
}

/** A Markdown table for $GITHUB_STEP_SUMMARY: what the run page shows. */
function renderStepSummary(json: RateLimitJson, low: boolean): string {
  // Markdown and HTML both: a value must not end its cell, its row, or open a tag.
  const cell = (v: number | string | boolean | null) =>
    v === null ? '—' : inline(String(v)).replace(/[|<>&]/g, (c) => ({ '|': '\\|', '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  const rows: Array<[string, string]> = [
    ['Registry', cell(json.registry)],
    ['Counted for', cell(json.source ?? (json.authenticated ? 'the signed-in account' : 'this runner’s address'))],
    ['Signed in', json.authenticated ? `yes${json.account ? ` (${cell(json.account)})` : ''}` : 'no (anonymous)'],
    ['Limit', json.unlimited ? 'none (not metered)' : `${cell(json.limit)}${json.windowSeconds !== null ? ` per ${humanWindow(json.windowSeconds)}` : ''}`],
    ['Remaining', json.unlimited ? '—' : `${cell(json.remaining)}${low ? ' ⚠️ low' : ''}`],
  ];
  return `### Docker Hub pull limit\n\n| | |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n\n`;
}

/** GitHub Actions step outputs for $GITHUB_OUTPUT, in the toolkit's heredoc form (github.ts). */
function renderGithubOutput(json: RateLimitJson): string {
  const value = (v: number | string | boolean | null) => (v === null ? '' : String(v));
  return outputFileLines({
    limit: value(json.limit),
    remaining: value(json.remaining),
    'window-seconds': value(json.windowSeconds),
    source: value(json.source),
    authenticated: value(json.authenticated),
    unlimited: value(json.unlimited),
  });
}
