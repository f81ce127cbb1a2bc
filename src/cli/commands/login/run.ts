/**
 * `dcm login`: verify credentials against the registry, then keep them in the keychain.
 * Nothing is stored unless the registry accepted them.
 */
import { DOCKER_HUB_KEY, TOKEN_USERNAME, normaliseServerUrl } from '../../../docker/server-address.ts';
import { UsageError, oneLine } from '../../../errors.ts';
import { readBounded } from '../../../helper/io.ts';
import { MAX_INPUT_BYTES } from '../../../docker/helper-protocol.ts';
import { recordLogin } from '../../auths-sync.ts';
import type { CommandContext } from '../../context.ts';
import { terminalPrompter, type Prompter } from '../../prompt.ts';
import { parseTimeout, registryTarget, rememberCertDir } from '../../registry-target.ts';
import type { LoginOptions } from './command.ts';

export async function login(server: string | undefined, options: LoginOptions, ctx: CommandContext, prompter: Prompter = terminalPrompter(ctx)): Promise<void> {
  const key = normaliseServerUrl(server ?? DOCKER_HUB_KEY);
  refuseConflicts(options, ctx);
  const timeoutMs = parseTimeout(options.timeout);
  const store = await ctx.openStore();

  let username = options.username;
  let secret: string | undefined = options.password;
  if (options.passwordStdin) {
    // Like docker login: one trailing newline (LF or CRLF) is not part of the password; every
    // other byte is (a service-account JSON key is a multi-line password).
    secret = (await readBounded(ctx.stdin as AsyncIterable<Uint8Array>, MAX_INPUT_BYTES)).replace(/\r?\n$/, '');
  }
  if (secret === undefined || !username) {
    if (!ctx.isTTY)
      throw new UsageError(
        options.username
          ? 'cannot prompt for the password: not a terminal. Pipe it in with --password-stdin'
          : 'cannot prompt for credentials: not a terminal. Give -u USER and pipe the password in with --password-stdin',
      );
    const stored = await store.get(key);
    const storedUser = stored && stored.username !== TOKEN_USERNAME ? stored.username : undefined;
    ctx.stderr.write(`Log in to ${key}\n`);
    username ??= await prompter.input('Username:', storedUser);
    secret ??= await prompter.password('Password:');
  }
  if (!username) throw new UsageError('a username is required');
  if (!secret) throw new UsageError('a password is required');

  const result = await ctx.registry.checkLogin({ ...(await registryTarget(key, options, ctx, timeoutMs)), username, secret });
  if (result.auth === 'none') {
    ctx.stderr.write(`Note: ${key} lets anyone in without credentials, so they could not be verified; storing them anyway.\n`);
  }
  // As Docker does: a refresh token from the token service is kept instead of the password.
  if (result.identityToken) await store.store(key, { username: TOKEN_USERNAME, secret: result.identityToken });
  else await store.store(key, { username, secret });
  await recordLogin(ctx, key);
  // The CA this login trusted is trusted again by the next check of it (issue 22, item 4).
  if (options.certDir !== undefined) {
    try {
      rememberCertDir(key, options.certDir, ctx.env);
    } catch (error) {
      ctx.stderr.write(`dcm: warning: --cert-dir ${options.certDir} was not remembered for ${key}: ${oneLine(error)}\n`);
    }
  }
  ctx.stdout.write('Login Succeeded\n');
}

/** Options that cannot go together, refused before anything is asked or read. */
function refuseConflicts(options: LoginOptions, ctx: CommandContext): void {
  for (const flag of ['profile', 'command', 'oidc', 'role', 'audience', 'serviceAccount', 'tenant', 'clientId'] as const)
    if (options[flag] !== undefined) throw new UsageError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --provider`);
  if (options.password !== undefined && options.passwordStdin) throw new UsageError('--password and --password-stdin cannot be used together');
  if (options.passwordStdin && !options.username) throw new UsageError('--password-stdin needs --username (-u)');
  if (options.password !== undefined) {
    ctx.stderr.write(
      'WARNING! Using --password on the command line is insecure: it stays in shell history and is visible in process lists. Use --password-stdin.\n',
    );
  }
}
