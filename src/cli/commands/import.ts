/**
 * `dcm import --from HELPER`: copy credentials out of another credential helper through the
 * helper protocol itself (`list`, then `get` for each), so it works for secretservice,
 * osxkeychain, wincred, pass, desktop and any other `docker-credential-*`.
 */
import { HelperClient, serverFromListKey } from '../../docker/helper-client.ts';
import { TOKEN_USERNAME, normaliseServerUrl } from '../../docker/server-address.ts';
import { SilentExit, UsageError } from '../../errors.ts';
import type { CliIo } from '../io.ts';
import { openStore } from '../shared.ts';

export interface ImportOptions {
  from: string;
  registry?: string[];
  remove?: boolean;
  json?: boolean;
}

export async function importFrom(options: ImportOptions, io: CliIo): Promise<void> {
  if (options.from.replace(/^docker-credential-/, '') === 'dcm') throw new UsageError('--from dcm would import dcm into itself');
  const source = new HelperClient(options.from, io.env);
  const program = source.program;
  const wanted = (options.registry ?? []).map(normaliseServerUrl);
  const store = await openStore(io);

  const imported: Array<{ registry: string; username: string; from: string; removed: boolean }> = [];
  const skipped: Array<{ key: string; reason: string }> = [];
  for (const key of [...(await source.list()).keys()].sort()) {
    const server = serverFromListKey(key);
    let registry: string;
    try {
      registry = normaliseServerUrl(server);
    } catch {
      skipped.push({ key, reason: 'not a registry address' });
      continue;
    }
    if (wanted.length > 0 && !wanted.includes(registry)) continue;
    const got = await source.get(server);
    if ('failure' in got) {
      skipped.push({ key, reason: got.failure });
      continue;
    }
    const { username, secret } = got.credentials;
    if (!(await store.storeVerified(registry, { username, secret }))) {
      skipped.push({ key, reason: 'the keychain did not give back what was written; the source was left alone' });
      continue;
    }
    let removed = false;
    if (options.remove) {
      // Only now that dcm gives it back is the source copy erased.
      const failure = await source.erase(server);
      removed = failure === undefined;
      if (failure) skipped.push({ key, reason: `imported, but ${program} erase failed: ${failure}` });
    }
    imported.push({ registry, username, from: key, removed });
  }

  if (options.json) {
    io.stdout.write(`${JSON.stringify({ from: program, imported, skipped })}\n`);
  } else {
    const lines = imported.map(
      (i) =>
        `imported ${i.registry} (${i.username === TOKEN_USERNAME ? 'identity token' : i.username}) from ${program}${i.removed ? ', removed from the source' : ''}`,
    );
    for (const s of skipped) lines.push(`skipped ${s.key}: ${s.reason}`);
    if (lines.length === 0) lines.push(`${program} holds no credentials${wanted.length > 0 ? ' for those registries' : ''}.`);
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  if (skipped.length > 0) throw new SilentExit('failure');
}
