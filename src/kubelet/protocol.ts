/**
 * The kubelet's image credential provider protocol (credentialprovider.kubelet.k8s.io/v1, and
 * v1beta1 where still used): one CredentialProviderRequest on stdin, one
 * CredentialProviderResponse on stdout, in the request's apiVersion (kubernetes/website
 * content/en/docs/reference/config-api/kubelet-credentialprovider.v1.md; KEP-2133). Pure.
 */

export const API_VERSIONS = ['credentialprovider.kubelet.k8s.io/v1', 'credentialprovider.kubelet.k8s.io/v1beta1'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
export const CACHE_KEY_TYPES = ['Image', 'Registry', 'Global'] as const;
export type CacheKeyType = (typeof CACHE_KEY_TYPES)[number];

/** A request is a few hundred bytes (a service-account token at most a few KB). */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface ProviderRequest {
  apiVersion: ApiVersion;
  image: string;
  /** 1.33+ (KEP-4412): the pod's service-account token, when the provider asks for one. */
  serviceAccountToken?: string;
  serviceAccountAnnotations?: Record<string, string>;
}

export interface ProviderResponse {
  apiVersion: ApiVersion;
  kind: 'CredentialProviderResponse';
  cacheKeyType: CacheKeyType;
  cacheDuration?: string;
  auth: Record<string, { username: string; password: string }>;
}

export class BadRequest extends Error {}

export function parseRequest(text: string): ProviderRequest {
  if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) throw new BadRequest(`the request is over ${MAX_REQUEST_BYTES} bytes`);
  if (text.trim() === '') throw new BadRequest('the request is empty: the kubelet writes a CredentialProviderRequest on stdin');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequest('the request is not JSON');
  }
  const request = (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {}) as Record<string, unknown>;
  if (request.kind !== 'CredentialProviderRequest')
    throw new BadRequest(`the request's kind is ${JSON.stringify(request.kind ?? null)}, not CredentialProviderRequest`);
  if (!(API_VERSIONS as readonly unknown[]).includes(request.apiVersion))
    throw new BadRequest(`apiVersion ${JSON.stringify(String(request.apiVersion).slice(0, 80))} is not one dcm speaks (${API_VERSIONS.join(', ')})`);
  if (typeof request.image !== 'string' || request.image === '') throw new BadRequest('the request has no image');
  const out: ProviderRequest = { apiVersion: request.apiVersion as ApiVersion, image: request.image };
  if (typeof request.serviceAccountToken === 'string') out.serviceAccountToken = request.serviceAccountToken;
  if (typeof request.serviceAccountAnnotations === 'object' && request.serviceAccountAnnotations !== null)
    out.serviceAccountAnnotations = request.serviceAccountAnnotations as Record<string, string>;
  return out;
}

/**
 * The registry an image reference is pulled from, as the kubelet and Docker read it: the part
 * before the first `/` when it looks like a host (a dot, a port, or `localhost`), else Docker Hub.
 */
export function registryOf(image: string): string {
  const first = image.split('/')[0]!;
  const rest = image.includes('/');
  if (rest && (first.includes('.') || first.includes(':') || first === 'localhost')) return first.toLowerCase();
  return 'docker.io';
}

/** A Go duration (meta/v1.Duration's form): `1h59m30s`, `45s`, `0s`. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (total === 0) return '0s';
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

/**
 * How long the kubelet may keep a token: half of what it has left, as ecr-credential-provider
 * does, so that a cached token never reaches its expiry; none for one that expires within a minute.
 */
export function cacheDurationFor(expiresAt: number, now: number): string {
  const left = expiresAt - now;
  return left <= 60_000 ? '0s' : goDuration(left / 2);
}

export function encodeResponse(response: Omit<ProviderResponse, 'kind'>): string {
  return `${JSON.stringify({ kind: 'CredentialProviderResponse', ...response })}\n`;
}
