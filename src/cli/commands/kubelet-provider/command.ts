/** `dcm kubelet-provider config`: its flags, help and examples; the work is in run.ts. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import type { OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declareGroup(parent: Command) {
  return parent
    .command('kubelet-provider')
    .description("the kubelet's image credential provider: run with no arguments by the kubelet; config prints its configuration")
    .addHelpText(
      'after',
      `
Run by the kubelet (as a link named dcm-kubelet-provider in --image-credential-provider-bin-dir,
or as "dcm kubelet-provider"), dcm reads one CredentialProviderRequest on stdin and writes one
CredentialProviderResponse: a token minted by the provider bound to the image's registry (dcm login
HOST --provider ...), cached by the kubelet for half its life; an empty answer for a registry no
binding serves. Settings in dcm's configuration: "kubelet": {"cacheKeyType": "Image" | "Registry" |
"Global", "staticLogins": true} (also answer from dcm's store). docs/kubernetes.md.

Examples:
  $ dcm kubelet-provider config > /etc/kubernetes/credential-provider.yaml
  $ ln -s "$(command -v dcm)" /usr/libexec/kubernetes/kubelet-plugins/credential-provider/exec/dcm-kubelet-provider`,
    );
}

function declareConfig(group: Command) {
  return group
    .command('config')
    .description("print the kubelet's CredentialProviderConfig for dcm: matchImages from the bindings (and --match)")
    .option('--match <pattern...>', 'more matchImages entries (a registry whose logins dcm keeps, with staticLogins)')
    .option('--default-cache-duration <duration>', "the kubelet's cache for answers that do not say (default 10m)")
    .option('--json', 'print it as JSON instead of YAML')
    .addHelpText(
      'after',
      `
Examples:
  $ dcm kubelet-provider config
  $ dcm kubelet-provider config --match registry.corp.example --json

${exitCodesHelp(['ok', 'usage'])}`,
    );
}

export type KubeletConfigOptions = OptionsOf<typeof declareConfig>;

export function declareKubeletProvider(parent: Command, ctx: CommandContext): void {
  declareConfig(declareGroup(parent)).action(async (options) => (await import('./run.ts')).kubeletConfig(options, ctx));
}
