import { describe, expect, it } from 'vitest';
import { bindingFromOptions } from '../../../../../src/cli/commands/login/run-provider.ts';

describe('dcm login --provider: the binding its options make', () => {
  it.each<[string, Record<string, string | boolean>, object]>([
    ['*.dkr.ecr.eu-west-1.amazonaws.com', { provider: 'aws', profile: 'ci' }, { pattern: '*.dkr.ecr.eu-west-1.amazonaws.com', provider: 'aws', profile: 'ci' }],
    ['ghcr.io', { provider: 'github', username: 'octocat' }, { pattern: 'ghcr.io', provider: 'github', username: 'octocat' }],
    [
      'r.example',
      { provider: 'exec', command: "op read 'op://ci/reg token'" },
      { pattern: 'r.example', provider: 'exec', command: ['op', 'read', 'op://ci/reg token'] },
    ],
  ])('%s %j', (server, options, binding) => {
    expect(bindingFromOptions(server, options)).toEqual(binding);
  });

  it.each<[string | undefined, Record<string, string | boolean>, RegExp]>([
    [undefined, { provider: 'aws' }, /needs a SERVER/],
    ['r.example', { provider: 'gcp9' }, /unknown provider "gcp9"; dcm has: aws/],
    ['r.example', { provider: 'aws', passwordStdin: true }, /no --password/],
    ['r.example', { provider: 'github', profile: 'x' }, /--profile goes with --provider aws/],
    ['r.example', { provider: 'exec' }, /--provider exec needs --command/],
    ['r.example', { provider: 'aws', command: 'x' }, /--command goes with --provider exec only/],
    ['r.example', { provider: 'exec', command: '  ' }, /--command is empty/],
    ['*', { provider: 'aws' }, /not a registry host or pattern/],
    ['r.example', { provider: 'aws', role: 'arn' }, /--role goes with --provider aws --oidc/],
    ['r.example', { provider: 'azure', oidc: 'github', role: 'arn' }, /--role goes with --provider aws --oidc/],
    ['r.example', { provider: 'github', oidc: 'github' }, /--oidc goes with --provider aws, gcp or azure/],
    ['r.example', { provider: 'aws', oidc: 'circleci' }, /--oidc takes github or gitlab, not "circleci"/],
    ['r.example', { provider: 'gcp', serviceAccount: 'sa' }, /--service-account goes with --provider gcp --oidc/],
  ])('%s %j is a usage error', (server, options, message) => {
    expect(() => bindingFromOptions(server, options)).toThrow(message);
  });
});
