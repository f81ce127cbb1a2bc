/**
 * dcm as the kubelet's image credential provider (issue 25), run as the kubelet runs a plugin:
 * by the name in its CredentialProviderConfig (a `dcm-kubelet-provider` link), one request on
 * stdin, the response on stdout, nothing else there. Requests are the documented shapes
 * (kubernetes/website content/en/docs/reference/config-api/kubelet-credentialprovider.v1.md).
 * No kubelet runs here: Debian 12 packages none, and the loopback-only network rules out
 * fetching one. What the kubelet would do with the answer is what the protocol page says.
 * Covers: src/kubelet/serve.ts, src/cli/commands/kubelet-provider/run.ts.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession, tempDir } from '../helpers/env.ts';
import { testMachine } from '../helpers/machine.ts';
import { HOSTS, startStandIns, type StandIns } from '../helpers/registry-standins.ts';
import { run } from '../helpers/spawn.ts';
import { storeJson } from '../helpers/helper-process.ts';

const V1 = 'credentialprovider.kubelet.k8s.io/v1';
let standIns: StandIns;

beforeAll(async () => {
  requireTestSession();
  standIns = await startStandIns();
});
afterAll(() => standIns?.stop());

const request = (image: string, apiVersion = V1) => JSON.stringify({ apiVersion, kind: 'CredentialProviderRequest', image });

/** A node: dcm's settings with these providers and kubelet options, and the plugin link. */
function node(providers: Record<string, unknown>, kubelet?: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const config = tempDir('kubelet-xdg');
  mkdirSync(join(config, 'dcm'));
  writeFileSync(join(config, 'dcm', 'config.json'), JSON.stringify({ providers, ...(kubelet ? { kubelet } : {}) }), { mode: 0o600 });
  const machine = testMachine({ env: { XDG_CONFIG_HOME: config, DCM_PROVIDER_TIMEOUT_MS: '5000', ...env } });
  const plugins = tempDir('kubelet-plugins');
  symlinkSync(machine.bin.dcm, join(plugins, 'dcm-kubelet-provider'));
  return { ...machine, provider: (stdin: string) => run(join(plugins, 'dcm-kubelet-provider'), [], { stdin, env: machine.env }) };
}

function execToken(hours: number): string[] {
  const dir = tempDir('kubelet-exec');
  const script = join(dir, 'token.sh');
  writeFileSync(
    script,
    `#!/bin/sh\nprintf '{"Username":"robot","Secret":"kube-Secret-1","ExpiresAt":"%s"}' "$(date -u -d '+${hours} hours' +%Y-%m-%dT%H:%M:%SZ)"\n`,
    { mode: 0o755 },
  );
  return [script];
}

describe('dcm-kubelet-provider', () => {
  it.each(['Registry', 'Image', 'Global'])(
    'a bound registry, cacheKeyType %s: the token under the binding’s pattern, cached for half its life',
    async (cacheKeyType) => {
      const kube = node({ '*.corp.example': { provider: 'exec', command: execToken(2) } }, { cacheKeyType });
      const answer = await kube.provider(request('registry.corp.example/team/app:1.0'));
      expect(answer).toExit(0);
      expect(answer.stderr).toBe('');
      const response = JSON.parse(answer.stdout);
      expect(response).toMatchObject({
        kind: 'CredentialProviderResponse',
        apiVersion: V1,
        cacheKeyType,
        auth: { '*.corp.example': { username: 'robot', password: 'kube-Secret-1' } },
      });
      expect(response.cacheDuration).toMatch(/^(59m\d+s|1h0m0s)$/);
    },
  );

  it('a v1beta1 request is answered in v1beta1', async () => {
    const kube = node({ 'registry.corp.example': { provider: 'exec', command: execToken(2) } });
    const answer = await kube.provider(request('registry.corp.example/app', 'credentialprovider.kubelet.k8s.io/v1beta1'));
    expect(JSON.parse(answer.stdout).apiVersion).toBe('credentialprovider.kubelet.k8s.io/v1beta1');
  });

  it('an image whose registry no binding serves: an empty auth, not cached, exit 0', async () => {
    const kube = node({ 'registry.corp.example': { provider: 'exec', command: execToken(2) } });
    const answer = await kube.provider(request('quay.io/org/app:1'));
    expect(answer).toExit(0);
    expect(JSON.parse(answer.stdout)).toEqual({ kind: 'CredentialProviderResponse', apiVersion: V1, cacheKeyType: 'Registry', cacheDuration: '0s', auth: {} });
  });

  it('an aws binding: a fresh ECR token, minted through the ECR stand-in, that ECR takes', async () => {
    const kube = node(
      { [HOSTS.ecr]: { provider: 'aws' } },
      undefined,
      standIns.env({
        AWS_ACCESS_KEY_ID: standIns.aws.key.accessKeyId,
        AWS_SECRET_ACCESS_KEY: standIns.aws.key.secretAccessKey,
        AWS_CA_BUNDLE: join(standIns.caDir, 'ca.crt'),
        AWS_EC2_METADATA_DISABLED: 'true',
      }),
    );
    const answer = await kube.provider(request(`${HOSTS.ecr}/app:1`));
    expect(answer).toExit(0);
    const response = JSON.parse(answer.stdout);
    expect(response.auth[HOSTS.ecr].username).toBe('AWS');
    expect(standIns.secrets.ecrTokens.has(response.auth[HOSTS.ecr].password)).toBe(true);
    expect(response.cacheDuration).toMatch(/^(5h59m\d+s|6h0m0s)$/);
  });

  it('staticLogins: a login in dcm’s store answers for its registry; an identity token does not', async () => {
    const kube = node({}, { staticLogins: true });
    expect(await kube.helper('store', storeJson('static.corp.example', 'deployer', 'static-Secret-9'))).toExit(0);
    expect(await kube.helper('store', storeJson('token.corp.example', '<token>', 'refresh-Token'))).toExit(0);
    try {
      const answer = JSON.parse((await kube.provider(request('static.corp.example/app'))).stdout);
      expect(answer.auth).toEqual({ 'static.corp.example': { username: 'deployer', password: 'static-Secret-9' } });
      expect(answer.cacheDuration).toBeUndefined();
      expect(JSON.parse((await kube.provider(request('token.corp.example/app'))).stdout).auth).toEqual({});
    } finally {
      await kube.helper('erase', 'static.corp.example');
      await kube.helper('erase', 'token.corp.example');
    }
  });

  it.each([
    ['malformed', '{"kind":', /^dcm-kubelet-provider: the request is not JSON\n$/],
    ['empty', '', /^dcm-kubelet-provider: the request is empty/],
    ['oversized', `{"image":"${'a'.repeat(100_000)}"}`, /^dcm-kubelet-provider: input too large/],
    [
      'of a wrong apiVersion',
      request('a.example/x', 'credentialprovider.kubelet.k8s.io/v1alpha1'),
      /apiVersion "credentialprovider\.kubelet\.k8s\.io\/v1alpha1" is not one dcm speaks/,
    ],
  ])('a %s request: one line on stderr, nothing on stdout, exit 1', async (_name, stdin, message) => {
    const answer = await node({}).provider(stdin);
    expect(answer).toExit(1);
    expect(answer.stdout).toBe('');
    expect(answer.stderr).toMatch(message);
    expect(answer.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a provider that fails: its cause in one line on stderr, nothing on stdout, exit 1', async () => {
    const dir = tempDir('kubelet-fail');
    writeFileSync(join(dir, 'fail.sh'), '#!/bin/sh\necho "vault sealed" >&2\nexit 3\n', { mode: 0o755 });
    const answer = await node({ 'registry.corp.example': { provider: 'exec', command: [join(dir, 'fail.sh')] } }).provider(
      request('registry.corp.example/app'),
    );
    expect(answer).toExit(1);
    expect(answer.stdout).toBe('');
    expect(answer.stderr).toBe(`dcm-kubelet-provider: exec: ${join(dir, 'fail.sh')} exited 3: vault sealed\n`);
  });

  it('dcm kubelet-provider config prints the CredentialProviderConfig the kubelet reads', async () => {
    const kube = node({ '*.dkr.ecr.us-east-1.amazonaws.com': { provider: 'aws' }, 'ghcr.io': { provider: 'github' } });
    const json = await kube.dcm(['kubelet-provider', 'config', '--match', 'registry.corp.example', '--json']);
    expect(json).toExit(0);
    expect(JSON.parse(json.stdout)).toEqual({
      apiVersion: 'kubelet.config.k8s.io/v1',
      kind: 'CredentialProviderConfig',
      providers: [
        {
          name: 'dcm-kubelet-provider',
          matchImages: ['*.dkr.ecr.us-east-1.amazonaws.com', 'ghcr.io', 'registry.corp.example'],
          defaultCacheDuration: '10m',
          apiVersion: V1,
          env: [{ name: 'XDG_CONFIG_HOME', value: kube.env.XDG_CONFIG_HOME }],
        },
      ],
    });
    const yaml = (await kube.dcm(['kubelet-provider', 'config'])).stdout;
    expect(yaml).toContain(
      'kind: CredentialProviderConfig\nproviders:\n  - name: "dcm-kubelet-provider"\n    matchImages:\n      - "*.dkr.ecr.us-east-1.amazonaws.com"\n',
    );
  });
});
