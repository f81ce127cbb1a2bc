/**
 * `dcm kubelet-provider config`: the CredentialProviderConfig stanza (kubelet.config.k8s.io/v1)
 * that makes the kubelet ask dcm for the registries dcm's bindings serve.
 */
import { UsageError } from '../../../errors.ts';
import { checkPattern } from '../../../providers/bindings.ts';
import type { CommandContext } from '../../context.ts';
import { readBindings } from '../../provider-bindings.ts';
import type { KubeletConfigOptions } from './command.ts';

/** Prints the stanza (YAML, or JSON with --json). */
export function kubeletConfig(options: KubeletConfigOptions, ctx: CommandContext): void {
  const matchImages = [...new Set([...readBindings(ctx.env).bindings.map((b) => b.pattern), ...(options.match ?? []).map(checkPattern)])];
  if (matchImages.length === 0) throw new UsageError('no registries to match: bind one first (dcm login HOST --provider NAME), or give --match PATTERN');
  const duration = options.defaultCacheDuration ?? '10m';
  if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(duration) || duration === '')
    throw new UsageError(`--default-cache-duration takes a Go duration such as 10m or 1h30m, not ${JSON.stringify(duration)}`);
  const env = ['XDG_CONFIG_HOME', 'DCM_STORE'].filter((name) => ctx.env[name]).map((name) => ({ name, value: ctx.env[name]! }));
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1',
    kind: 'CredentialProviderConfig',
    providers: [
      {
        name: 'dcm-kubelet-provider',
        matchImages,
        defaultCacheDuration: duration,
        apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
        ...(env.length ? { env } : {}),
      },
    ],
  };
  ctx.stdout.write(options.json ? `${JSON.stringify(config, null, 2)}\n` : toYaml(config));
}

/** The stanza as YAML: strings quoted as JSON (valid YAML), lists of scalars and of maps. Pure. */
function toYaml(config: { apiVersion: string; kind: string; providers: Array<Record<string, unknown>> }): string {
  const lines = [`apiVersion: ${config.apiVersion}`, `kind: ${config.kind}`, 'providers:'];
  for (const provider of config.providers) {
    let first = true;
    for (const [key, value] of Object.entries(provider)) {
      const lead = first ? '  - ' : '    ';
      first = false;
      if (Array.isArray(value)) {
        lines.push(`${lead}${key}:`);
        for (const item of value)
          lines.push(
            typeof item === 'object'
              ? `      - name: ${JSON.stringify((item as { name: string }).name)}\n        value: ${JSON.stringify((item as { value: string }).value)}`
              : `      - ${JSON.stringify(item)}`,
          );
      } else lines.push(`${lead}${key}: ${JSON.stringify(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
