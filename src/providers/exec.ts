/**
 * `--provider exec --command 'CMD ARGS'`: a program prints the login, in the shape of AWS's
 * `credential_process`: {"Username": …, "Secret": …, "ExpiresAt": RFC 3339, optional}. The way
 * to serve a registry from 1Password (`op read`), Vault, Bitwarden or a company script. It runs
 * without a shell, with the deadline of the mint, and its output is bounded.
 */
import { MintFailed } from '../errors.ts';
import { ProcessFailure, runProcess } from '../platform/process.ts';
import type { MintRequest, MintedToken, Provider } from './provider.ts';

const MAX_OUTPUT_BYTES = 64 * 1024;

export const execProvider: Provider = {
  async mint({ binding, host, env, deadline, now }: MintRequest): Promise<MintedToken> {
    const [program, ...args] = binding.command ?? [];
    if (!program)
      throw new MintFailed(
        `exec: the binding for ${binding.pattern} has no command; bind it again with: dcm login ${binding.pattern} --provider exec --command 'CMD ARGS'`,
        { code: 'usage' },
      );
    const shown = program.slice(0, 80);
    let result: Awaited<ReturnType<typeof runProcess>>;
    try {
      // DCM_REGISTRY tells a script that serves several registries which one is asked for.
      result = await runProcess(program, args, { env: { ...env, DCM_REGISTRY: host }, timeoutMs: Math.max(1, deadline - now) });
    } catch (error) {
      const cause = error instanceof ProcessFailure ? error.message : String(error);
      throw new MintFailed(`exec: ${cause}; fix the command of the binding for ${binding.pattern} (dcm login ${binding.pattern} --provider exec --command …)`, {
        code: 'failure',
      });
    }
    if (result.stdoutBytes > MAX_OUTPUT_BYTES)
      throw new MintFailed(`exec: ${shown} printed ${result.stdoutBytes} bytes; a login is at most ${MAX_OUTPUT_BYTES}`, { code: 'failure' });
    if (result.code !== 0) {
      const said = result.stderr.trim().split('\n').at(-1)?.slice(0, 200);
      throw new MintFailed(`exec: ${shown} exited ${result.code}${said ? `: ${said}` : ''}`, { code: 'failure' });
    }
    return parseExecOutput(result.stdout.toString('utf8'), shown, binding.username);
  },
};

/** The program's stdout as a login, or one line saying what is wrong with it. Pure. */
export function parseExecOutput(text: string, program: string, defaultUsername?: string): MintedToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MintFailed(`exec: ${program} did not print JSON; it must print {"Username": "…", "Secret": "…", "ExpiresAt": "2026-01-01T00:00:00Z"}`, {
      code: 'failure',
    });
  }
  const output = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const username = typeof output.Username === 'string' && output.Username !== '' ? output.Username : defaultUsername;
  if (typeof output.Secret !== 'string' || output.Secret === '') throw new MintFailed(`exec: ${program} printed no "Secret"`, { code: 'failure' });
  if (!username) throw new MintFailed(`exec: ${program} printed no "Username", and the binding has none (--username)`, { code: 'failure' });
  let expiresAt = Number.NaN;
  if (output.ExpiresAt !== undefined && output.ExpiresAt !== null) {
    expiresAt = typeof output.ExpiresAt === 'string' ? Date.parse(output.ExpiresAt) : Number.NaN;
    if (!Number.isFinite(expiresAt)) throw new MintFailed(`exec: ${program} printed an "ExpiresAt" that is not an RFC 3339 time`, { code: 'failure' });
  }
  return { username, secret: output.Secret, expiresAt, identity: `exec ${program}` };
}
