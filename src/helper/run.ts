/**
 * The credential-helper protocol: one verb, its stdin, its stdout, an exit code. Nothing here
 * touches `process`; the entry point hands in the streams and a way to open the store.
 */
import { CredentialsNotFound, DcmError, oneLine } from '../errors.ts';
import { normaliseServerUrl } from '../docker/server-address.ts';
import type { Env } from '../platform/paths.ts';
import { bindingFor, bindingsOf, type Binding } from '../providers/bindings.ts';
import { readSettings } from '../store/select.ts';
import { versionLine } from '../version.ts';
import type { CredentialStore } from '../store/credential-store.ts';
import { readBounded, type HelperIo } from './io.ts';
import { MAX_INPUT_BYTES, VERBS, decodeServerAddress, decodeStoreInput, encodeGetReply, encodeListReply, isVerb } from '../docker/helper-protocol.ts';

export interface HelperContext {
  /** The name we were invoked as (`docker-credential-dcm` or `dcm`), for usage lines. */
  name: string;
  io: HelperIo;
  /** Opened only by verbs that need it, so `version` and usage errors never touch the keychain. */
  openStore: () => Promise<CredentialStore>;
  /**
   * The environment, for the provider bindings in dcm's settings (a `get` for a bound host mints
   * its token; providers/); without it, every host is served from the store alone.
   */
  env?: Env;
  /** One line for stderr that does not fail the verb (a cached token served because minting failed). */
  warn?: (line: string) => void;
  now?: () => number;
}

/** Runs the protocol for `args` (the command line after the program name); returns the exit code. */
export async function runHelper(args: readonly string[], context: HelperContext): Promise<number> {
  const { io, name } = context;
  const usage = `Usage: ${name} <${VERBS.join('|')}>\n`;
  // The reference framework's argument rules (credentials.Serve): exactly one argument.
  if (args.length !== 1) {
    io.stdout.write(usage);
    return 1;
  }
  const verb = args[0]!;
  if (verb === '--help' || verb === '-h') {
    io.stdout.write(usage);
    return 0;
  }
  if (verb === '--version' || verb === '-v' || verb === 'version') {
    io.stdout.write(`${versionLine(name)}\n`);
    return 0;
  }
  if (!isVerb(verb) || verb === 'version') {
    // The verb is echoed, so keep it printable and short.
    io.stdout.write(`${name}: unknown action: ${verb.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 100)}\n`);
    return 1;
  }
  try {
    await runVerb(verb, context);
    return 0;
  } catch (error) {
    // Docker reads only stdout, and shows it to the user inside backticks: one line, exit 1.
    io.stdout.write(`${error instanceof DcmError ? oneLine(error) : `internal error: ${oneLine(error)}`}\n`);
    return 1;
  }
}

/** The binding that serves `serverURL`, with the settings file it is in; none without an env. */
function boundHost(serverURL: string, env: Env | undefined): { binding: Binding; host: string; path: string } | undefined {
  if (!env) return undefined;
  const { path, settings } = readSettings(env);
  if (settings.providers === undefined) return undefined;
  const host = normaliseServerUrl(serverURL);
  const binding = bindingFor(bindingsOf(settings, path), host);
  return binding && { binding, host, path };
}

async function runVerb(verb: Exclude<(typeof VERBS)[number], 'version'>, context: HelperContext): Promise<void> {
  const { io, openStore } = context;
  switch (verb) {
    case 'store': {
      const credentials = decodeStoreInput(await readBounded(io.stdin, MAX_INPUT_BYTES));
      await (await openStore()).store(credentials.serverURL, { username: credentials.username, secret: credentials.secret });
      return;
    }
    case 'get': {
      const serverURL = decodeServerAddress(await readBounded(io.stdin, MAX_INPUT_BYTES));
      const bound = boundHost(serverURL, context.env);
      // A bound host's token is minted by its provider, whose code is loaded only now.
      const login = bound
        ? await (await import('../providers/tokens.ts')).tokenFor({
            ...bound,
            settingsPath: bound.path,
            store: await openStore(),
            env: context.env!,
            now: context.now?.() ?? Date.now(),
            warn: context.warn ?? (() => undefined),
          })
        : await (await openStore()).get(serverURL);
      if (!login) throw new CredentialsNotFound();
      // ServerURL echoes the query, as the reference helpers do; Docker ignores it anyway.
      io.stdout.write(encodeGetReply({ serverURL, username: login.username, secret: login.secret }));
      return;
    }
    case 'erase': {
      const serverURL = decodeServerAddress(await readBounded(io.stdin, MAX_INPUT_BYTES));
      await (await openStore()).erase(serverURL);
      return;
    }
    case 'list':
      // stdin is ignored: Docker writes "unused" and closes it.
      io.stdout.write(encodeListReply(await (await openStore()).list()));
      return;
  }
}
