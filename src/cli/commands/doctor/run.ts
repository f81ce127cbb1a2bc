/**
 * `dcm doctor`: is this machine really on dcm? One line per check, and for each failure the
 * command that fixes it.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { platform } from 'node:os';
import { delimiter, join } from 'node:path';
import { ItemError, StoreUnavailable, SilentExit, oneLine } from '../../../errors.ts';
import { registriesWithPlaintext } from '../../../docker/auths.ts';
import { credHelpersOf, dockerConfigPath, readDockerConfig, type DockerConfigFile } from '../../../docker/config-file.ts';
import type { CredentialStore } from '../../../store/credential-store.ts';
import { STORES, chosenStore } from '../../../store/select.ts';
import { checkMirrors, machineImageStore, mirrorLogins, mirrorSetup, mirrorSurprises, mirrorsByUrl, surpriseLogins } from '../../mirrors.ts';
import { parseTimeout } from '../../registry-target.ts';
import { VERSION } from '../../../version.ts';
import type { CommandContext } from '../../context.ts';
import { readBindings } from '../../provider-bindings.ts';
import { containersDropInPath, isDcmDropIn, namesDcmHelper, readContainersDropIn } from '../../../docker/containers-config.ts';
import type { DoctorOptions } from './command.ts';

export interface Check {
  id: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** A command (or step) that fixes a failure. */
  fix?: string;
}

export async function doctor(options: DoctorOptions, ctx: CommandContext): Promise<void> {
  const checks: Check[] = [];
  checks.push(await helperOnPath(ctx));
  const path = dockerConfigPath(ctx.env);
  let config: DockerConfigFile | undefined;
  try {
    config = readDockerConfig(path);
    checks.push(
      config.exists
        ? { id: 'config', status: 'ok', detail: `${path} parses` }
        : { id: 'config', status: 'fail', detail: `${path} does not exist`, fix: 'dcm setup' },
    );
  } catch (error) {
    checks.push({ id: 'config', status: 'fail', detail: oneLine(error), fix: `fix the JSON in ${path}, then: dcm setup` });
  }
  if (config) checks.push(...configChecks(config));
  if (config?.data.credsStore === 'dcm') checks.push(containersCheck(ctx));
  if (ctx.env.DOCKER_AUTH_CONFIG) {
    checks.push({
      id: 'docker-auth-config',
      status: 'warn',
      detail: 'DOCKER_AUTH_CONFIG is set: Docker reads credentials from it before any helper',
      fix: 'unset DOCKER_AUTH_CONFIG',
    });
  }
  checks.push(storeCheck(ctx));
  checks.push(...(await keychainChecks(ctx)));
  checks.push(...(await mirrorChecks(ctx)));
  checks.push(...(await bindingChecks(ctx)));

  const ok = checks.every((c) => c.status !== 'fail');
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify({ ok, checks })}\n`);
  } else {
    const mark = { ok: '✓', warn: '!', fail: '✗' } as const;
    const lines = checks.flatMap((c) => [`${mark[c.status]} ${c.id}: ${c.detail}`, ...(c.fix && c.status !== 'ok' ? [`    fix: ${c.fix}`] : [])]);
    ctx.stdout.write(`${lines.join('\n')}\n`);
  }
  if (!ok) throw new SilentExit('failure');
}

/** Each provider binding can mint now (within DCM_PROVIDER_TIMEOUT_MS, 10 s here), and with which identity. */
async function bindingChecks(ctx: CommandContext): Promise<Check[]> {
  let bindings: ReturnType<typeof readBindings>;
  try {
    bindings = readBindings(ctx.env);
  } catch (error) {
    return [{ id: 'providers', status: 'fail', detail: oneLine(error), fix: "fix the providers in dcm's configuration, or remove one: dcm logout HOST" }];
  }
  if (bindings.bindings.length === 0) return [];
  const { checkSettingsPrivate, mint } = await import('../../../providers/tokens.ts');
  try {
    checkSettingsPrivate(bindings.path);
  } catch (error) {
    return [{ id: 'providers', status: 'fail', detail: oneLine(error), fix: `chmod 600 ${bindings.path}` }];
  }
  const env = { DCM_PROVIDER_TIMEOUT_MS: '10000', ...ctx.env };
  return Promise.all(
    bindings.bindings.map(async (binding): Promise<Check> => {
      try {
        const token = await mint(binding, binding.pattern, env, ctx.now().getTime());
        return {
          id: 'provider',
          status: 'ok',
          detail: `${binding.pattern}: ${binding.provider} mints from ${token.identity} (valid until ${new Date(token.expiresAt).toISOString()})`,
        };
      } catch (error) {
        return {
          id: 'provider',
          status: 'fail',
          detail: `${binding.pattern}: ${oneLine(error)}`,
          fix: `fix what it names, then: dcm check ${binding.pattern}`,
        };
      }
    }),
  );
}

/**
 * Each configured Docker Hub mirror reachable and serving (as `dcm mirror check` checks it), and
 * each credential surprise of this configuration spelled out (docs/mirrors.md).
 */
async function mirrorChecks(ctx: CommandContext): Promise<Check[]> {
  const setup = mirrorSetup(ctx);
  const checks: Check[] = setup.problems.map((problem) => ({
    id: 'mirror-config',
    status: 'warn',
    detail: `${problem.message}; its mirrors are not checked`,
    fix: `fix ${problem.path}`,
  }));
  const rows = mirrorsByUrl(setup.mirrors);
  if (rows.length === 0) return [...checks, { id: 'mirrors', status: 'ok', detail: 'no Docker Hub mirrors configured' }];
  const target = { insecure: false, timeoutMs: parseTimeout(undefined, 10), env: ctx.env };
  const [imageStore, logins] = await Promise.all([machineImageStore(ctx, setup.daemonConfig), mirrorLogins(ctx, rows)]);
  const { results } = await checkMirrors(rows, imageStore.store, logins, { repository: 'library/alpine', reference: 'latest', target, registry: ctx.registry });
  for (const result of results) {
    checks.push(
      result.ok
        ? { id: 'mirror', status: 'ok', detail: `${result.url}: ${result.message} (${result.durationMs} ms)` }
        : {
            id: 'mirror',
            status: 'fail',
            detail: `${result.url}: ${result.status}: ${result.message}`,
            fix: `dcm mirror check ${result.url}, or remove it: dcm mirror rm ${result.url}`,
          },
    );
  }
  for (const surprise of mirrorSurprises(rows, imageStore.store, surpriseLogins(logins))) {
    checks.push({ id: 'mirror-credentials', status: 'warn', detail: `${surprise} (image store: ${imageStore.store}, ${imageStore.why})` });
  }
  return checks;
}

async function helperOnPath(ctx: CommandContext): Promise<Check> {
  const env = ctx.env;
  const name = platform() === 'win32' ? 'docker-credential-dcm.exe' : 'docker-credential-dcm';
  const found = (env.PATH ?? env.Path ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((candidate) => {
      try {
        accessSync(candidate, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  if (!found)
    return {
      id: 'helper',
      status: 'fail',
      detail: 'docker-credential-dcm is not on PATH, so Docker cannot run it',
      fix: './install.sh (or add the directory holding docker-credential-dcm to PATH)',
    };
  const output = await ctx.runProcess(found, ['version'], { env, timeoutMs: 10_000 }).then(
    (result) => result.stdout.toString('utf8'),
    () => '',
  );
  const version = /v(\d+\.\d+\.\d+\S*)/.exec(output)?.[1];
  if (version !== VERSION) {
    return {
      id: 'helper',
      status: 'fail',
      detail: `${found} is version ${version ?? 'unknown'}, this dcm is ${VERSION}`,
      fix: './install.sh (install one version of both)',
    };
  }
  return { id: 'helper', status: 'ok', detail: `${found} (v${version})` };
}

/**
 * podman, skopeo and buildah ignore credsStore: with Docker pointed at dcm, they see its logins
 * only through registries.conf's credential-helpers (docker/containers-config.ts).
 */
function containersCheck(ctx: CommandContext): Check {
  const path = containersDropInPath(ctx.env);
  const found = readContainersDropIn(path);
  const text = found === 'missing' || found === 'unreadable' ? undefined : found;
  if (text !== undefined && namesDcmHelper(text)) return { id: 'containers', status: 'ok', detail: `podman, skopeo and buildah ask dcm (${path})` };
  return {
    id: 'containers',
    status: 'warn',
    detail: `podman, skopeo and buildah do not ask dcm: they ignore credsStore, and ${text === undefined ? `${path} does not exist` : `${path} does not name dcm`}`,
    fix: text === undefined || isDcmDropIn(text) ? 'dcm setup' : `add "dcm" to credential-helpers in ${path}`,
  };
}

function configChecks(config: DockerConfigFile): Check[] {
  const checks: Check[] = [];
  const data = config.data;
  let helpers: Record<string, unknown>;
  try {
    helpers = credHelpersOf(data, config.path);
  } catch (error) {
    return [{ id: 'cred-helpers', status: 'fail', detail: oneLine(error), fix: `fix "credHelpers" in ${config.path}` }];
  }
  const ours = Object.entries(helpers)
    .filter(([, v]) => v === 'dcm')
    .map(([k]) => k);
  if (data.credsStore === 'dcm') checks.push({ id: 'creds-store', status: 'ok', detail: 'credsStore is dcm' });
  else if (ours.length > 0)
    checks.push({
      id: 'creds-store',
      status: 'ok',
      detail: `credHelpers send ${ours.join(', ')} to dcm (${typeof data.credsStore === 'string' && data.credsStore !== '' ? `credsStore "${data.credsStore}" keeps the rest` : 'no credsStore: the rest stay in config.json'})`,
    });
  else
    checks.push({
      id: 'creds-store',
      status: 'fail',
      detail:
        typeof data.credsStore === 'string' && data.credsStore !== ''
          ? `Docker keeps logins with credsStore "${data.credsStore}", not dcm`
          : 'config.json sets no credsStore: Docker keeps logins in config.json itself (base64, not encrypted)',
      fix: data.credsStore ? `dcm import --from ${String(data.credsStore)} && dcm setup` : 'dcm setup',
    });

  const elsewhere = Object.entries(helpers).filter(([, v]) => v !== 'dcm');
  if (elsewhere.length > 0) {
    checks.push({
      id: 'cred-helpers',
      status: 'warn',
      detail: `credHelpers send ${elsewhere.map(([k, v]) => `${k} to docker-credential-${String(v)}`).join(', ')}`,
      fix: `dcm import --from ${String(elsewhere[0]![1])} --registry ${elsewhere[0]![0]} && dcm setup --registry ${elsewhere[0]![0]}`,
    });
  }

  const plaintext = registriesWithPlaintext(data);
  checks.push(
    plaintext.length === 0
      ? { id: 'plaintext', status: 'ok', detail: 'no plaintext credentials in config.json' }
      : { id: 'plaintext', status: 'fail', detail: `plaintext credentials in config.json for ${plaintext.join(', ')}`, fix: 'dcm migrate' },
  );

  if (config.exists && platform() !== 'win32') {
    const mode = statSync(config.path).mode & 0o777;
    checks.push(
      (mode & 0o077) === 0
        ? { id: 'permissions', status: 'ok', detail: `config.json is private (${mode.toString(8)})` }
        : {
            id: 'permissions',
            status: plaintext.length > 0 ? 'fail' : 'warn',
            detail: `config.json is readable by others (mode ${mode.toString(8)})`,
            fix: `chmod 600 ${config.path}`,
          },
    );
  }
  return checks;
}

/**
 * Writes, reads back and removes a probe item (the keychain is reachable and writable), then
 * reads every item under dcm's name: an item another program filed there, or one that is not
 * text, is named with its fix.
 */
/** Which store dcm uses here, and what chose it. */
function storeCheck(ctx: CommandContext): Check {
  try {
    const { store, from } = chosenStore(ctx.env);
    return { id: 'store', status: 'ok', detail: `${store}: ${STORES[store]} (chosen by ${from})` };
  } catch (error) {
    return { id: 'store', status: 'fail', detail: oneLine(error), fix: 'dcm setup --store os (or pass)' };
  }
}

async function keychainChecks(ctx: CommandContext): Promise<Check[]> {
  let store: CredentialStore;
  try {
    store = await ctx.openStore();
    const backend = store.backend;
    const key = 'dcm:doctor-probe';
    const value = `probe-${Date.now()}`;
    await backend.set(key, value);
    const back = await backend.get(key);
    await backend.delete(key);
    if (back !== value)
      return [
        {
          id: 'keychain',
          status: 'fail',
          detail: `${backend.description}: a probe item did not read back`,
          fix: 'check the keychain with its own tools (seahorse, Keychain Access)',
        },
      ];
  } catch (error) {
    return [{ id: 'keychain', status: 'fail', detail: oneLine(error), ...(error instanceof StoreUnavailable ? { fix: error.fix } : {}) }];
  }
  const probe: Check = {
    id: 'keychain',
    status: store.backend.kind === 'memory' ? 'warn' : 'ok',
    detail: `${store.backend.description} is reachable and writable`,
  };
  const broken: ItemError[] = [];
  try {
    for (const key of await store.allKeys()) {
      try {
        await store.get(key);
      } catch (error) {
        if (!(error instanceof ItemError)) throw error;
        broken.push(error);
      }
    }
  } catch (error) {
    return [probe, { id: 'keychain-items', status: 'fail', detail: `the stored items could not be read: ${oneLine(error)}` }];
  }
  if (broken.length === 0)
    return [
      probe,
      {
        id: 'keychain-items',
        status: 'ok',
        detail:
          store.backend.enumerates === false
            ? `every item dcm's index names is dcm's and readable (${store.backend.description} is not listed: items another program filed under dcm's name are not seen)`
            : "every item under dcm's name is dcm's and readable",
      },
    ];
  return [probe, ...broken.map((error): Check => ({ id: 'keychain-items', status: 'fail', detail: error.problem, fix: error.fix }))];
}
