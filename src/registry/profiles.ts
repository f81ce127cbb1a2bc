/**
 * What dcm knows about particular registries, one row per kind, in the manner of antfu/ni's one
 * row per package manager: the place registry-specific knowledge goes (host patterns, the API
 * host, the repository a pull-limit check uses). Pure. The last row matches every registry.
 */
import { DOCKER_HUB_KEY } from '../docker/server-address.ts';

export interface RegistryProfile {
  /** Stable id, for messages and tests. */
  id: 'docker-hub' | 'generic';
  /** What people call it. */
  name: string;
  /** Whether a canonical server key (docker/server-address.ts) is this registry's. */
  matches(serverKey: string): boolean;
  /** The `host[:port]` that serves `/v2/` for a canonical server key. */
  apiHost(serverKey: string): string;
  /** A repository whose `latest` manifest a pull-limit check may HEAD (docs/rate-limits.md). */
  rateLimitRepository?: string;
}

/** Docker Hub's API host: the key `https://index.docker.io/v1/` is not where the v2 API answers. */
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

export const REGISTRY_PROFILES: readonly RegistryProfile[] = [
  {
    id: 'docker-hub',
    name: 'Docker Hub',
    // Every Hub alias normalises to Docker's key; the device-login token keys hang below it.
    matches: (key) => key.startsWith(DOCKER_HUB_KEY),
    apiHost: () => DOCKER_HUB_API_HOST,
    rateLimitRepository: 'ratelimitpreview/test',
  },
  {
    id: 'generic',
    name: 'a registry',
    matches: () => true,
    apiHost: (key) => key,
  },
];

export function profileFor(serverKey: string): RegistryProfile {
  return REGISTRY_PROFILES.find((profile) => profile.matches(serverKey))!;
}

/** The `host[:port]` serving `/v2/` for a canonical server key. */
export function apiHost(serverKey: string): string {
  return profileFor(serverKey).apiHost(serverKey);
}
