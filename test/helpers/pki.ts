/** Test certificates made with openssl: a CA, server certificates it signs, a token-signing key. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './env.ts';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface Ca {
  dir: string;
  certPath: string;
  keyPath: string;
}

export function makeCa(name = 'dcm-test-ca'): Ca {
  const dir = tempDir('ca');
  openssl(
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { dir, certPath: join(dir, 'ca.crt'), keyPath: join(dir, 'ca.key') };
}

/** A server certificate signed by `ca` for the given subjectAltName entries (e.g. `IP:127.0.0.1`). */
export function makeServerCert(ca: Ca, altNames: string[]): { certPath: string; keyPath: string } {
  const dir = tempDir('server-cert');
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${altNames.join(',')}\nextendedKeyUsage=serverAuth\n`);
  openssl(['req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=dcm-test-registry'], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ],
    dir,
  );
  return { certPath: join(dir, 'server.crt'), keyPath: join(dir, 'server.key') };
}

/** A self-signed P-256 certificate and key, for signing registry tokens (ES256). */
export function makeSigningCert(): { certPath: string; keyPath: string } {
  const dir = tempDir('token-signer');
  openssl(['req', '-x509', ...EC, '-keyout', 'signer.key', '-out', 'signer.crt', '-days', '2', '-subj', '/CN=dcm-test-token-issuer'], dir);
  return { certPath: join(dir, 'signer.crt'), keyPath: join(dir, 'signer.key') };
}
