/**
 * `dcm setup`: point Docker at dcm (credsStore, or credHelpers for chosen registries), or undo it.
 */
import { backupOnce, dockerConfigPath, readBackup, readDockerConfig, writeDockerConfig } from '../../docker-config.ts';
import { DockerConfigError } from '../../errors.ts';
import { normaliseServerUrl } from '../../registry/server-url.ts';
import type { CliIo } from '../io.ts';

export interface SetupOptions {
  registry?: string[];
  undo?: boolean;
  json?: boolean;
}

export interface SetupResult {
  configPath: string;
  changed: boolean;
  backup: string | null;
  credsStore: string | null;
  credHelpers: Record<string, string>;
}

const HELPER = 'dcm';

export async function setup(options: SetupOptions, io: CliIo): Promise<void> {
  const path = dockerConfigPath(io.env);
  const file = readDockerConfig(path);
  const before = JSON.stringify(file.data);
  const helpers = { ...credHelpersOf(file.data, path) };
  const registries = (options.registry ?? []).map(normaliseServerUrl);

  if (options.undo) {
    if (registries.length === 0 && file.data.credsStore === HELPER) {
      const original = readBackup(path);
      if (typeof original?.credsStore === 'string' && original.credsStore !== HELPER) file.data.credsStore = original.credsStore;
      else delete file.data.credsStore;
    }
    for (const [key, value] of Object.entries(helpers)) {
      if (value === HELPER && (registries.length === 0 || registries.includes(key))) delete helpers[key];
    }
  } else if (registries.length > 0) {
    for (const key of registries) helpers[key] = HELPER;
  } else {
    file.data.credsStore = HELPER;
  }
  if (JSON.stringify(helpers) !== JSON.stringify(file.data.credHelpers ?? {})) {
    if (Object.keys(helpers).length > 0) file.data.credHelpers = helpers;
    else delete file.data.credHelpers;
  }

  const changed = JSON.stringify(file.data) !== before;
  let backup: string | null = null;
  if (changed) {
    // The backup keeps the file as it was before dcm: undoing never replaces it.
    backup = options.undo ? null : (backupOnce(path) ?? null);
    writeDockerConfig(file);
  }
  const result: SetupResult = {
    configPath: path,
    changed,
    backup,
    credsStore: typeof file.data.credsStore === 'string' ? file.data.credsStore : null,
    credHelpers: (file.data.credHelpers as Record<string, string> | undefined) ?? {},
  };
  io.stdout.write(options.json ? JSON.stringify(result) + '\n' : describe(result, options));
}

/** `credHelpers` as Docker reads it: an object of registry → helper name; anything else is refused, untouched. */
function credHelpersOf(data: Record<string, unknown>, path: string): Record<string, unknown> {
  const value = data.credHelpers;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DockerConfigError(`"credHelpers" in ${path} is ${Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object of registry → helper; fix it, then retry (nothing was changed)`);
  }
  return value as Record<string, unknown>;
}

function describe(result: SetupResult, options: SetupOptions): string {
  const where = result.configPath;
  if (!result.changed) return `Nothing to change in ${where}: it is already set up${options.undo ? ' without dcm' : ' for dcm'}.\n`;
  const lines = [options.undo ? `Docker no longer uses dcm (${where}).` : `Docker now uses dcm (${where}).`];
  lines.push(`  credsStore: ${result.credsStore ?? '(none)'}`);
  const helpers = Object.entries(result.credHelpers);
  if (helpers.length > 0) lines.push(`  credHelpers: ${helpers.map(([k, v]) => `${k} → ${v}`).join(', ')}`);
  if (result.backup) lines.push(`  backup of the original: ${result.backup}`);
  return lines.join('\n') + '\n';
}
