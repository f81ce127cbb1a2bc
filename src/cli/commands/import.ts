/**
 * `dcm import --from HELPER`: copy credentials out of another credential helper through the
 * helper protocol itself (`list`, then `get` for each), so it works for secretservice,
 * osxkeychain, wincred, pass, desktop and any other `docker-credential-*`.
 */
import { spawn } from 'node:child_process';
import { HelperFailed, UsageError, oneLine } from '../../errors.ts';
import { normaliseServerUrl } from '../../registry/server-url.ts';
import { openCredentialStore } from '../../store/open.ts';
import type { CliIo } from '../io.ts';

export interface ImportOptions {
  from: string;
  registry?: string[];
  remove?: boolean;
  json?: boolean;
}

/** secretservice from v0.9 lists keys as "Registry credentials for <url>", which its own get refuses. */
const SECRETSERVICE_LABEL = 'Registry credentials for ';

/** The server address to ask the source helper for, given a key its `list` printed. */
export function serverFromListKey(key: string): string {
  return key.startsWith(SECRETSERVICE_LABEL) ? key.slice(SECRETSERVICE_LABEL.length) : key;
}

export async function importFrom(options: ImportOptions, io: CliIo): Promise<void> {
  const helperName = options.from.replace(/^docker-credential-/, '');
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(helperName)) throw new UsageError(`--from takes a helper name such as secretservice, pass, osxkeychain, wincred or desktop`);
  if (helperName === 'dcm') throw new UsageError('--from dcm would import dcm into itself');
  const program = `docker-credential-${helperName}`;
  const wanted = (options.registry ?? []).map(normaliseServerUrl);
  const store = openCredentialStore(io.env, io.storeHooks);

  const listed = await callHelper(program, 'list', 'unused', io.env);
  let map: Record<string, unknown>;
  try {
    map = JSON.parse(listed.stdout || 'null') as Record<string, unknown>;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new Error('not an object');
  } catch {
    throw new HelperFailed(`${program} list did not print a JSON object: ${oneLine(listed.stdout).slice(0, 200) || '(empty)'}`);
  }

  const imported: Array<{ registry: string; username: string; from: string; removed: boolean }> = [];
  const skipped: Array<{ key: string; reason: string }> = [];
  for (const key of Object.keys(map).sort()) {
    const server = serverFromListKey(key);
    let registry: string;
    try {
      registry = normaliseServerUrl(server);
    } catch {
      skipped.push({ key, reason: 'not a registry address' });
      continue;
    }
    if (wanted.length > 0 && !wanted.includes(registry)) continue;
    const got = await callHelper(program, 'get', server, io.env);
    if (got.code !== 0) {
      skipped.push({ key, reason: oneLine(got.stdout).slice(0, 200) || `${program} get failed` });
      continue;
    }
    let credentials: { Username?: unknown; Secret?: unknown };
    try {
      credentials = JSON.parse(got.stdout) as typeof credentials;
    } catch {
      skipped.push({ key, reason: `${program} get did not print JSON` });
      continue;
    }
    if (typeof credentials.Username !== 'string' || credentials.Username === '' || typeof credentials.Secret !== 'string') {
      skipped.push({ key, reason: `${program} get returned no username or secret` });
      continue;
    }
    await store.store(registry, { username: credentials.Username, secret: credentials.Secret });
    const back = await store.get(registry);
    const verified = back?.username === credentials.Username && back.secret === credentials.Secret;
    if (!verified) {
      skipped.push({ key, reason: 'the keychain did not give back what was written; the source was left alone' });
      continue;
    }
    let removed = false;
    if (options.remove) {
      // Only now that dcm gives it back is the source copy erased.
      const erased = await callHelper(program, 'erase', server, io.env);
      removed = erased.code === 0;
      if (!removed) skipped.push({ key, reason: `imported, but ${program} erase failed: ${oneLine(erased.stdout).slice(0, 200)}` });
    }
    imported.push({ registry, username: credentials.Username, from: key, removed });
  }

  if (options.json) {
    io.stdout.write(JSON.stringify({ from: program, imported, skipped }) + '\n');
  } else {
    const lines = imported.map((i) => `imported ${i.registry} (${i.username === '<token>' ? 'identity token' : i.username}) from ${program}${i.removed ? ', removed from the source' : ''}`);
    for (const s of skipped) lines.push(`skipped ${s.key}: ${s.reason}`);
    if (lines.length === 0) lines.push(`${program} holds no credentials${wanted.length > 0 ? ' for those registries' : ''}.`);
    io.stdout.write(lines.join('\n') + '\n');
  }
  if (skipped.length > 0) io.exitCode = 1;
}

/** Longest wait for one call of the other helper (a `pass` helper may wait on a GPG agent). */
const HELPER_TIMEOUT_MS = 30_000;
/** After the helper exits, how long its stdout may stay open (held by a process it left behind). */
const DRAIN_AFTER_EXIT_MS = 500;
const MAX_HELPER_OUTPUT = 1024 * 1024;

/**
 * Runs `docker-credential-NAME VERB` as Docker does: one argument, stdin in, stdout out. The
 * wait really ends: at the helper's exit (a grandchild that keeps its stdout open is not waited
 * for beyond a short drain), or at the deadline, when the helper is killed and its stdout closed.
 */
function callHelper(program: string, verb: string, input: string, env: CliIo['env']): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [verb], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      child.stdout.destroy();
      outcome();
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < MAX_HELPER_OUTPUT) stdout += chunk;
    });
    timers.push(
      setTimeout(() => {
        child.kill('SIGKILL');
        finish(() => reject(new HelperFailed(`${program} ${verb} did not answer within ${HELPER_TIMEOUT_MS / 1000} s (waiting for a password prompt or a GPG agent?)`)));
      }, HELPER_TIMEOUT_MS),
    );
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish(() => reject(error.code === 'ENOENT' ? new UsageError(`${program} is not on PATH`) : new HelperFailed(`${program} could not be started: ${error.code ?? error.message}`)));
    });
    child.on('exit', (code) => {
      const done = () => finish(() => resolve({ stdout, code: code ?? 1 }));
      child.stdout.once('close', done);
      timers.push(setTimeout(done, DRAIN_AFTER_EXIT_MS));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
