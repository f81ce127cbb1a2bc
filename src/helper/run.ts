/**
 * The credential-helper protocol: one verb, its stdin, its stdout, an exit code. Nothing here
 * touches `process`; the entry point hands in the streams and a way to open the store.
 */
import { CredentialsNotFound, DcmError, oneLine } from '../errors.ts';
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

async function runVerb(verb: Exclude<(typeof VERBS)[number], 'version'>, { io, openStore }: HelperContext): Promise<void> {
  switch (verb) {
    case 'store': {
      const credentials = decodeStoreInput(await readBounded(io.stdin, MAX_INPUT_BYTES));
      await (await openStore()).store(credentials.serverURL, { username: credentials.username, secret: credentials.secret });
      return;
    }
    case 'get': {
      const serverURL = decodeServerAddress(await readBounded(io.stdin, MAX_INPUT_BYTES));
      const login = await (await openStore()).get(serverURL);
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
