/**
 * What a registry's certificate is checked against, as Docker checks it: the machine's roots,
 * Docker's certs.d/<host[:port]>/ and --cert-dir (CAs, and a client certificate pair).
 */
import { readdirSync } from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';
import { getCACertificates } from 'node:tls';
import { UsageError } from '../errors.ts';
import { FileProblem, readRegularFile } from '../platform/files.ts';
import { certsDirName } from './endpoint.ts';

/** Docker's per-registry CA directory (`/etc/docker/certs.d/<host[:port]>/*.crt`). */
const DOCKER_CERTS_D = platform() === 'win32' ? 'C:\\ProgramData\\docker\\certs.d' : '/etc/docker/certs.d';

/** A CA bundle or a client key is a few KB; certs.d files larger than this are not certificates. */
const MAX_CERT_BYTES = 1024 * 1024;

export interface TrustOptions {
  /** `host[:port]` of the registry: selects certs.d/<host>. */
  host: string;
  certDir?: string;
  insecure?: boolean;
  /** Where Docker's certs.d lives; tests point it elsewhere. */
  certsD?: string;
}

/**
 * TLS settings for one registry: Node's and the system's roots plus Docker's certs.d/<host>/*.crt
 * and --cert-dir/*.crt as extra CAs (Node's `ca` replaces the defaults, so they are concatenated),
 * and a client certificate from a *.cert/*.key pair.
 */
export function tlsOptions(options: TrustOptions): {
  ca: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
} {
  const dirs = [join(options.certsD ?? DOCKER_CERTS_D, certsDirName(options.host, platform()))];
  if (options.certDir) dirs.push(options.certDir);
  const extraCas: string[] = [];
  let cert: string | undefined;
  let key: string | undefined;
  for (const dir of dirs) {
    const found = readCertDir(dir, dir === options.certDir);
    extraCas.push(...found.cas);
    if (found.client) ({ cert, key } = found.client);
  }
  return {
    ca: [...trustedRoots(), ...extraCas],
    ...(cert && key ? { cert, key } : {}),
    rejectUnauthorized: !options.insecure,
  };
}

/**
 * One certs.d-style directory: `*.crt` CAs and a `*.cert` + `*.key` client pair. A missing
 * certs.d directory is nothing; a missing --cert-dir (`required`) is an error.
 */
function readCertDir(dir: string, required: boolean): { cas: string[]; client?: { cert: string; key: string } } {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    if (!required) return { cas: [] };
    throw new UsageError(`--cert-dir ${dir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : 'cannot be read'}`);
  }
  const cas = names.filter((name) => name.endsWith('.crt')).map((name) => readCertFile(join(dir, name)));
  let client: { cert: string; key: string } | undefined;
  for (const name of names.filter((n) => n.endsWith('.cert'))) {
    const keyName = name.replace(/\.cert$/, '.key');
    if (!names.includes(keyName)) throw new UsageError(`${join(dir, name)} has no matching ${keyName} (client certificates need both)`);
    client = { cert: readCertFile(join(dir, name)), key: readCertFile(join(dir, keyName)) };
  }
  return { cas, client };
}

let roots: string[] | undefined;

/**
 * What the machine trusts, as docker and skopeo do: Node's bundled roots, and the operating
 * system's store (a company CA added with update-ca-certificates, the macOS Keychain, the
 * Windows store). On Linux, OpenSSL's SSL_CERT_FILE and SSL_CERT_DIR replace its default file and
 * directory, as they do for Go tools. Read once per process (about 35 ms for 500 certificates).
 */
function trustedRoots(): string[] {
  roots ??= [...new Set([...getCACertificates('default'), ...getCACertificates('system')])];
  return roots;
}

/** A certificate or key file: a regular file of at most 1 MiB (a FIFO would hang the login). */
function readCertFile(path: string): string {
  try {
    return readRegularFile(path, { maxBytes: MAX_CERT_BYTES }).toString('utf8');
  } catch (error) {
    throw new UsageError(error instanceof FileProblem ? `${error.message}; certs.d and --cert-dir hold certificate files only` : `${path} cannot be read`);
  }
}
