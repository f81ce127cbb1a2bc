/** What every provider is: given a binding and the host Docker asked for, a token and who minted it. */
import type { Env } from '../platform/paths.ts';
import type { Binding } from './bindings.ts';

export interface MintedToken {
  username: string;
  secret: string;
  /** Epoch milliseconds; a provider that does not know gives its token a lifetime dcm assumes (one hour). */
  expiresAt: number;
  /** An account, a project, a login, a command: never a secret. */
  identity: string;
}

export interface MintRequest {
  binding: Binding;
  /** The registry host (`host[:port]`) a token is minted for. */
  host: string;
  env: Env;
  /** When the whole mint must be done (epoch ms): every network step and program run ends by then. */
  deadline: number;
  now: number;
}

export interface Provider {
  mint(request: MintRequest): Promise<MintedToken>;
}

/** How long a mint may take in all, unless DCM_PROVIDER_TIMEOUT_MS says otherwise. */
export function mintDeadline(env: Env, now: number): number {
  const raw = Number(env.DCM_PROVIDER_TIMEOUT_MS);
  return now + (Number.isFinite(raw) && raw > 0 ? Math.min(raw, 300_000) : 30_000);
}

export const ASSUMED_LIFETIME_MS = 3_600_000;
