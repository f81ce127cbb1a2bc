/**
 * `--provider github` (ghcr.io): the token the job or the machine already has. In a GitHub
 * Actions job, GITHUB_TOKEN (the username is the job's actor); elsewhere `gh auth token`, with
 * gh's own account as the username (`gh api user`), as GitHub's docs log in to GHCR.
 */
import { MintFailed } from '../errors.ts';
import { ProcessFailure, runProcess } from '../platform/process.ts';
import { ASSUMED_LIFETIME_MS, type MintRequest, type MintedToken, type Provider } from './provider.ts';

async function gh(args: string[], env: MintRequest['env'], timeoutMs: number): Promise<string> {
  try {
    const result = await runProcess('gh', args, { env: { ...env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' }, timeoutMs });
    if (result.code !== 0)
      throw new MintFailed(
        `github: gh ${args.join(' ')} exited ${result.code}: ${result.stderr.trim().split('\n')[0]?.slice(0, 200) ?? ''}; log in with: gh auth login --scopes read:packages`,
      );
    return result.stdout.toString('utf8').trim();
  } catch (error) {
    if (error instanceof ProcessFailure)
      throw new MintFailed(`github: ${error.message}; install gh and run: gh auth login --scopes read:packages, or set GITHUB_TOKEN`, {
        code: error.kind === 'timeout' ? 'network' : 'failure',
      });
    throw error;
  }
}

export const githubProvider: Provider = {
  async mint({ binding, host, env, deadline, now }: MintRequest): Promise<MintedToken> {
    // A job's token lives as long as the job (at most 24 hours); an hour is what dcm assumes.
    if (env.GITHUB_TOKEN) {
      const username = binding.username ?? env.GITHUB_ACTOR;
      if (!username)
        throw new MintFailed(
          `github: GITHUB_TOKEN is set but GITHUB_ACTOR is not; give the username: dcm login ${binding.pattern} --provider github --username NAME`,
          { code: 'usage' },
        );
      return { username, secret: env.GITHUB_TOKEN, expiresAt: now + ASSUMED_LIFETIME_MS, identity: `GITHUB_TOKEN (${username})` };
    }
    const timeoutMs = Math.max(1, deadline - now);
    const hostname = host === 'ghcr.io' ? 'github.com' : (env.GH_HOST ?? 'github.com');
    const token = await gh(['auth', 'token', '--hostname', hostname], env, timeoutMs);
    if (!token) throw new MintFailed('github: gh auth token printed nothing; log in with: gh auth login --scopes read:packages');
    const username = binding.username ?? (await gh(['api', 'user', '--hostname', hostname, '--jq', '.login'], { ...env, GH_TOKEN: token }, timeoutMs));
    return { username, secret: token, expiresAt: now + ASSUMED_LIFETIME_MS, identity: `gh ${username}@${hostname}` };
  },
};
