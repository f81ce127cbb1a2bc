/**
 * Turns what undici and Node's TLS throw into one of dcm's error classes, with a message that
 * says what happened and what to do. Pure.
 */
import { DcmError, NetworkError, RegistryError, TlsError } from '../errors.ts';

export interface NetContext {
  /** `host[:port]` that was being talked to. */
  host: string;
  /**
   * The proxy configured for this request's scheme, if any (an origin, no credentials in it).
   * Whether the request went through it (NO_PROXY) is undici's decision; the error itself tells
   * whether it was the proxy that failed (the address it names).
   */
  proxy?: string;
  timeoutMs: number;
}

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Every `code` along the error and its causes, outermost first. */
function codes(error: unknown): { codes: string[]; messages: string[]; names: string[]; peers: Array<{ address?: string; port?: number; hostname?: string }> } {
  const found = {
    codes: [] as string[],
    messages: [] as string[],
    names: [] as string[],
    peers: [] as Array<{ address?: string; port?: number; hostname?: string }>,
  };
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; address?: unknown; port?: unknown; hostname?: unknown };
    if (typeof e.code === 'string') found.codes.push(e.code);
    if (typeof e.message === 'string') found.messages.push(e.message);
    if (typeof e.name === 'string') found.names.push(e.name);
    // Node's connect and DNS errors name the peer they failed on.
    if (typeof e.address === 'string' || typeof e.hostname === 'string') {
      found.peers.push({
        address: typeof e.address === 'string' ? e.address : undefined,
        port: typeof e.port === 'number' ? e.port : undefined,
        hostname: typeof e.hostname === 'string' ? e.hostname : undefined,
      });
    }
    current = e.cause;
  }
  return found;
}

/**
 * Whether the failure was the proxy's: the peer the error names is the proxy (its port, and its
 * name or address). An error that names no peer is taken to be the proxy's when one is set.
 */
function failedAtProxy(proxy: string | undefined, peers: ReturnType<typeof codes>['peers']): boolean {
  if (!proxy) return false;
  if (peers.length === 0) return true;
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    return true;
  }
  const name = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return peers.some((peer) => peer.hostname === name || (peer.port === port && (peer.address === name || !/^[\d.:]+$/.test(name))));
}

export function classifyNetError(error: unknown, context: NetContext): DcmError {
  // A refusal of dcm's own (the realm guard in a DNS lookup) may arrive wrapped by undici.
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof DcmError) return current;
  }
  const { codes: c, messages, names, peers } = codes(error);
  const seen: Seen = { has: (...wanted) => c.some((code) => wanted.includes(code)), codes: c, text: messages.join(' '), names };
  const viaProxy = failedAtProxy(context.proxy, peers);
  return tlsFailure(seen, context.host) ?? httpFailure(seen, context.host) ?? networkFailure(seen, context, viaProxy);
}

interface Seen {
  has: (...wanted: string[]) => boolean;
  codes: string[];
  text: string;
  names: string[];
}

/** A TLS failure, each kind with its own fix. */
function tlsFailure({ has, codes: c, text }: Seen, host: string): TlsError | undefined {
  if (c.some((code) => UNKNOWN_AUTHORITY.has(code))) {
    return new TlsError(
      `TLS: the certificate of ${host} is signed by an unknown authority. Add its CA certificate to /etc/docker/certs.d/${host}/ca.crt, or pass --cert-dir DIR with the CA as DIR/ca.crt, or trust it machine-wide (update-ca-certificates, or SSL_CERT_FILE)`,
      'unknown-authority',
    );
  }
  if (has('CERT_HAS_EXPIRED')) return new TlsError(`TLS: the certificate of ${host} has expired`, 'expired');
  if (has('CERT_NOT_YET_VALID')) return new TlsError(`TLS: the certificate of ${host} is not valid yet (check this machine's clock)`, 'not-yet-valid');
  if (has('ERR_TLS_CERT_ALTNAME_INVALID'))
    return new TlsError(`TLS: the certificate presented by ${host} is for another name (name mismatch)`, 'name-mismatch');
  if (has('ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG') || /wrong version number|packet length too long/i.test(text)) {
    return new TlsError(
      `TLS: ${host} does not speak TLS on this port (a plain-HTTP registry?); dcm uses plain HTTP only for loopback hosts or with --insecure`,
      'not-tls',
    );
  }
  return undefined;
}

/** The server answered, but not in HTTP a registry speaks: a registry-class failure, not the network's. */
function httpFailure({ has, codes: c }: Seen, host: string): RegistryError | undefined {
  if (has('UND_ERR_HEADERS_OVERFLOW')) return new RegistryError(`${host} answered with response headers too large to be a registry's`);
  if (has('UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE') || c.some((code) => code.startsWith('HPE_')))
    return new RegistryError(`${host} answered with a malformed HTTP response; it does not look like a registry`);
  return undefined;
}

/** Everything else: the proxy, DNS, a refusal, a timeout, a reset, no route. */
function networkFailure({ has, text, names }: Seen, context: NetContext, viaProxy: boolean): NetworkError {
  const host = context.host;
  if (context.proxy && viaProxy && (/proxy/i.test(text) || names.some((n) => /proxy/i.test(n)))) {
    return new NetworkError(`proxy: ${context.proxy} could not connect to ${host} (${firstLine(text)}); check HTTPS_PROXY, HTTP_PROXY and NO_PROXY`);
  }
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL'))
    return new NetworkError(`DNS: cannot resolve ${viaProxy ? `the proxy ${context.proxy} or ` : ''}${host}`);
  if (has('ECONNREFUSED')) {
    return new NetworkError(
      viaProxy ? `proxy: connection refused by the proxy ${context.proxy}` : `connection refused by ${host}: is the registry running, and is the port right?`,
    );
  }
  const timedOut =
    has('ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ABORT_ERR', 'ERR_ABORTED') ||
    names.includes('TimeoutError') ||
    names.includes('AbortError');
  if (timedOut) return new NetworkError(`timeout: no answer from ${host} within ${Math.round(context.timeoutMs / 100) / 10} s`);
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED')) return new NetworkError(`the connection to ${host} was closed unexpectedly`);
  if (has('EHOSTUNREACH', 'ENETUNREACH')) return new NetworkError(`no route to ${host}`);
  return new NetworkError(`cannot reach ${host}: ${firstLine(text) || 'unknown network error'}`);
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}
