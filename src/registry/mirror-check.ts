/**
 * Does a Docker Hub mirror serve pulls? The check one would do by hand (docs/mirrors.md): it
 * resolves and connects, speaks TLS with a certificate the client would accept, answers
 * `GET /v2/` as a registry, says whether it asks for credentials; then one `HEAD` of an official
 * image's manifest (no pull spent) gives the digest and the time it took. Compared with the same
 * `HEAD` at Docker Hub, the mirror's copy is current or stale.
 */
import { CredentialsRejected, DcmError, oneLine } from '../errors.ts';
import { digestOf, headManifest } from './manifest.ts';
import { RegistrySession, type SessionOptions } from './session.ts';
import { statusError } from './status-errors.ts';

export type MirrorStatus = 'ok' | 'stale' | 'credentials' | 'network' | 'tls' | 'registry' | 'not-found' | 'threshold' | 'usage';

export interface MirrorCheckResult {
  url: string;
  ok: boolean;
  status: MirrorStatus;
  message: string;
  /** How the mirror authenticates (null when it could not be reached). */
  auth: 'none' | 'basic' | 'bearer' | null;
  digest: string | null;
  upstreamDigest: string | null;
  durationMs: number;
}

export interface MirrorCheck extends Omit<SessionOptions, 'host' | 'basePath' | 'credentials'> {
  url: string;
  /** `library/alpine` and `latest` unless the user asked for another image. */
  repository: string;
  reference: string;
  /**
   * When the mirror asks for credentials: the ones a client of it would send, or why none
   * would (that mirror then fails with status `credentials` and this explanation).
   */
  credentialsFor(): { credentials: { username: string; secret: string }; from: string } | { none: string };
  /** Docker Hub's digest for the same image, when Docker Hub could be asked; null otherwise. */
  upstreamDigest: string | null;
}

/** One mirror, never throwing: every failure is a result with its class. */
export async function checkMirror(check: MirrorCheck): Promise<MirrorCheckResult> {
  const started = Date.now();
  const base = { url: check.url, auth: null as MirrorCheckResult['auth'], digest: null, upstreamDigest: check.upstreamDigest };
  const done = (result: Omit<MirrorCheckResult, 'durationMs' | 'url' | 'upstreamDigest'> & Partial<MirrorCheckResult>): MirrorCheckResult => ({
    ...base,
    ...result,
    durationMs: Date.now() - started,
  });
  let url: URL;
  try {
    url = new URL(check.url);
  } catch {
    return done({ ok: false, status: 'usage', message: `${check.url} is not a URL`, auth: null, digest: null });
  }
  // An http:// mirror is plain HTTP on its own port, as the daemon speaks to it; nothing else in
  // the check loses certificate verification (only --insecure, the user's own word, does that).
  const options = { ...check, host: url.host, basePath: url.pathname, plainHttp: url.protocol === 'http:' };
  try {
    const anonymous = await headAs(options, undefined);
    base.auth = anonymous.auth;
    let outcome = anonymous;
    if (anonymous.refused) {
      const plan = check.credentialsFor();
      if ('none' in plan) return done({ ok: false, status: 'credentials', message: plan.none, auth: anonymous.auth, digest: null });
      outcome = await headAs(options, plan.credentials);
      if (outcome.refused) {
        return done({
          ok: false,
          status: 'credentials',
          message: `${url.host} refused the credentials ${plan.from} sends it`,
          auth: outcome.auth,
          digest: null,
        });
      }
    }
    const image = `${check.repository}:${check.reference}`;
    if (outcome.status === 404)
      return done({ ok: false, status: 'not-found', message: `${url.host} does not have ${image}`, auth: outcome.auth, digest: null });
    const digest = outcome.digest;
    if (!digest) return done({ ok: false, status: 'registry', message: `${url.host} answered ${image} without a digest`, auth: outcome.auth, digest: null });
    if (check.upstreamDigest && check.upstreamDigest !== digest) {
      return done({
        ok: false,
        status: 'stale',
        message: `serves ${image} as ${short(digest)}, but Docker Hub has ${short(check.upstreamDigest)}: the mirror's copy is stale`,
        auth: outcome.auth,
        digest,
      });
    }
    const compared = check.upstreamDigest ? ', the same as Docker Hub' : ' (Docker Hub could not be asked to compare)';
    return done({ ok: true, status: 'ok', message: `serves ${image} as ${short(digest)}${compared}`, auth: outcome.auth, digest });
  } catch (error) {
    const status = error instanceof DcmError ? (error.code as MirrorStatus) : 'registry';
    return done({ ok: false, status: statusOf(status), message: oneLine(error), auth: base.auth, digest: null });
  }
}

/** Docker Hub's digest for an image, asked with one HEAD (with the Hub login when there is one). */
export async function upstreamDigest(
  options: Omit<SessionOptions, 'host'> & { repository: string; reference: string },
): Promise<{ digest: string | null; message?: string }> {
  try {
    const result = await headAs({ ...options, host: 'registry-1.docker.io' }, options.credentials);
    return result.digest ? { digest: result.digest } : { digest: null, message: `Docker Hub answered HTTP ${result.status}` };
  } catch (error) {
    return { digest: null, message: oneLine(error) };
  }
}

interface HeadOutcome {
  auth: 'none' | 'basic' | 'bearer';
  /** The mirror wants credentials it was not given, or refused those it was. */
  refused: boolean;
  status: number;
  digest: string | null;
}

async function headAs(options: SessionOptions & { repository: string; reference: string }, credentials: SessionOptions['credentials']): Promise<HeadOutcome> {
  const session = await RegistrySession.open({ ...options, credentials });
  try {
    const auth = session.anonymous ? 'none' : session.challenge?.scheme === 'basic' ? 'basic' : 'bearer';
    if (auth === 'basic' && !credentials) return { auth, refused: true, status: 401, digest: null };
    let authorization: Awaited<ReturnType<RegistrySession['authorize']>>;
    try {
      authorization = await session.authorize([`repository:${options.repository}:pull`]);
    } catch (error) {
      if (error instanceof CredentialsRejected) return { auth, refused: true, status: 401, digest: null };
      throw error;
    }
    const head = await headManifest(session, options.repository, options.reference, authorization);
    if (head.status === 401 || head.status === 403) return { auth, refused: true, status: head.status, digest: null };
    if (head.status === 404) return { auth, refused: false, status: 404, digest: null };
    if (head.status !== 200) throw statusError(head, session.base.host, 'login');
    return { auth, refused: false, status: 200, digest: digestOf(head) };
  } finally {
    await session.close();
  }
}

function statusOf(code: string): MirrorStatus {
  return (['credentials', 'network', 'tls', 'registry', 'threshold', 'usage'] as const).find((status) => status === code) ?? 'registry';
}

function short(digest: string): string {
  return `${digest.slice(0, 19)}…`;
}
