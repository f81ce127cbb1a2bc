/**
 * `dcm login SERVER --provider NAME`: no password is kept. The token the provider mints from the
 * machine's identity is verified at the registry (a pattern, which names no registry yet, is
 * checked by minting once), then the binding is recorded in dcm's settings and the token cached
 * in the store, where the helper's `get` finds it.
 */
import { MintFailed, UsageError } from '../../../errors.ts';
import { PROVIDERS, checkPattern, type Binding, type ProviderName } from '../../../providers/bindings.ts';
import { OIDC_SOURCES } from '../../../providers/oidc.ts';
import { splitCommand } from '../../../platform/process.ts';
import { recordLogin } from '../../auths-sync.ts';
import type { CommandContext } from '../../context.ts';
import { recordBinding } from '../../provider-bindings.ts';
import { parseTimeout, registryTarget, rememberCertDir } from '../../registry-target.ts';
import type { LoginOptions } from './command.ts';

/** The binding the options describe, or the usage error that says what is missing. Pure. */
export function bindingFromOptions(server: string | undefined, options: LoginOptions): Binding {
  if (!server) throw new UsageError('--provider needs a SERVER: a host, or a pattern such as *.dkr.ecr.us-east-1.amazonaws.com');
  const provider = options.provider ?? '';
  if (!Object.hasOwn(PROVIDERS, provider))
    throw new UsageError(
      `unknown provider ${JSON.stringify(provider.slice(0, 40))}; dcm has: ${Object.entries(PROVIDERS)
        .map(([name, what]) => `${name} (${what})`)
        .join('; ')}`,
    );
  if (options.password !== undefined || options.passwordStdin) throw new UsageError('--provider mints its own tokens: no --password or --password-stdin');
  if (options.profile !== undefined && provider !== 'aws') throw new UsageError('--profile goes with --provider aws');
  if ((options.command !== undefined) !== (provider === 'exec'))
    throw new UsageError('--provider exec needs --command, and --command goes with --provider exec only');
  const binding: Binding = { pattern: checkPattern(server), provider: provider as ProviderName, ...ciOptions(provider, options) };
  if (options.profile !== undefined) binding.profile = options.profile;
  if (options.username !== undefined) binding.username = options.username;
  if (options.command !== undefined) {
    const words = splitCommand(options.command);
    if (words.length === 0) throw new UsageError('--command is empty');
    binding.command = words;
  }
  return binding;
}

/** What --oidc and the options that go with it add to a binding, or the usage error. Pure. */
function ciOptions(provider: string, options: LoginOptions): Partial<Binding> {
  const owners = { role: 'aws', audience: 'gcp', serviceAccount: 'gcp', tenant: 'azure', clientId: 'azure' } as const;
  const flags = { role: '--role', audience: '--audience', serviceAccount: '--service-account', tenant: '--tenant', clientId: '--client-id' } as const;
  for (const [key, owner] of Object.entries(owners) as Array<[keyof typeof owners, string]>)
    if (options[key] !== undefined && (owner !== provider || options.oidc === undefined))
      throw new UsageError(`${flags[key]} goes with --provider ${owner} --oidc`);
  if (options.oidc === undefined) return {};
  if (!(OIDC_SOURCES as readonly string[]).includes(options.oidc))
    throw new UsageError(`--oidc takes ${OIDC_SOURCES.join(' or ')}, not ${JSON.stringify(options.oidc.slice(0, 20))}`);
  if (!['aws', 'gcp', 'azure'].includes(provider)) throw new UsageError('--oidc goes with --provider aws, gcp or azure');
  const out: Partial<Binding> = { oidc: options.oidc as Binding['oidc'] };
  for (const key of Object.keys(owners) as Array<keyof typeof owners>) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

export async function loginWithProvider(server: string | undefined, options: LoginOptions, ctx: CommandContext): Promise<void> {
  const binding = bindingFromOptions(server, options);
  const timeoutMs = parseTimeout(options.timeout);
  const store = await ctx.openStore();
  const { mint, cacheMinted } = await import('../../../providers/tokens.ts');
  const now = ctx.now().getTime();
  const token = await mint(binding, binding.pattern, ctx.env, now);
  const pattern = binding.pattern.includes('*');
  if (!pattern) {
    const result = await ctx.registry.checkLogin({
      ...(await registryTarget(binding.pattern, options, ctx, timeoutMs)),
      username: token.username,
      secret: token.secret,
    });
    if (result.auth === 'none')
      ctx.stderr.write(`Note: ${binding.pattern} lets anyone in without credentials, so the token could not be verified; binding it anyway.\n`);
  }
  recordBinding(ctx.env, binding);
  if (!pattern) {
    await cacheMinted(store, binding, binding.pattern, ctx.env, token, now).catch((error: unknown) => {
      throw new MintFailed(`the binding is recorded, but the token could not be cached: ${(error as Error).message}`, { code: 'failure' });
    });
    await recordLogin(ctx, binding.pattern);
    // As a password login does: the next check of this registry trusts what this login trusted.
    if (options.certDir !== undefined) rememberCertDir(binding.pattern, options.certDir, ctx.env);
  }
  const until = new Date(token.expiresAt).toISOString();
  ctx.stdout.write(
    `${pattern ? `Bound ${binding.pattern}` : 'Login Succeeded'}: ${binding.provider} tokens for ${binding.pattern}, minted from ${token.identity} (this one valid until ${until})\n`,
  );
}
