/**
 * The one request dcm makes for an image: `HEAD` of a manifest, which tells the digest and
 * costs no pull (Docker Hub counts manifest GETs only, docs/rate-limits.md). dcm never GETs a
 * manifest.
 */
import type { Authorization, RegistrySession } from './session.ts';
import type { HttpResponse } from './transport.ts';

/** Manifest types a registry may answer with; without them Hub can 404 on content negotiation. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

/** `HEAD /v2/<repository>/manifests/<reference>` with an authorization. */
export function headManifest(session: RegistrySession, repository: string, reference: string, authorization: Authorization): Promise<HttpResponse> {
  return session.send(`/v2/${repository}/manifests/${reference}`, { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT, ...authorization.headers } });
}

/** The digest a manifest answer names, or null. */
export function digestOf(response: HttpResponse): string | null {
  const digest = response.headers['docker-content-digest'];
  return typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : null;
}
