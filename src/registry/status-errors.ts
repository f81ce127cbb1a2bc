/**
 * What an answer that is not success means, as one of dcm's errors with its exit code: refused
 * credentials (and whether they expired), a rate limit, a failing registry, something that is not
 * a registry. Shared by the login session, the pull-limit check and the mirror check.
 */
import { CredentialsRejected, RegistryError, ThresholdError } from '../errors.ts';
import { sanitizeRegistryText } from './redaction.ts';
import type { HttpResponse } from './transport.ts';

/**
 * The error for a status that is not success. `registryHost` names the registry in a
 * credentials message when the answer came from its token service.
 */
export function statusError(
  response: HttpResponse,
  host: string,
  stage: 'ping' | 'login' | 'token',
  rejectionStatuses: readonly number[] = [],
  registryHost = host,
): Error {
  const status = response.status;
  const detail = registryMessage(response);
  // GHCR answers bad credentials with 403 "denied", most registries with 401, ECR sometimes 400.
  if ((status === 401 || status === 403 || rejectionStatuses.includes(status)) && stage !== 'ping') {
    return rejected(response, registryHost, stage === 'token' ? 'the token service refused the credentials' : 'unauthorized');
  }
  if (status === 429) return new ThresholdError(`${host} is rate limiting requests (HTTP 429); retry later`);
  if (status >= 500) return new RegistryError(`${host} is failing (HTTP ${status}${detail ? `: ${detail}` : ''}); the registry may be down, retry later`);
  if (stage === 'token') return new RegistryError(`the token service at ${host} answered HTTP ${status}`);
  return new RegistryError(
    `${host} is not a registry: GET ${response.url.pathname} answered HTTP ${status}${stage === 'ping' ? ' (a registry answers 200 or 401)' : ''}`,
  );
}

/**
 * Refused credentials, with the registry's text, and whether the registry said they expired
 * (ECR's plain-text "Your authorization token has expired", "token expired" from others).
 */
export function rejected(response: HttpResponse, host: string, fallback: string): CredentialsRejected {
  const detail = registryMessage(response) ?? fallback;
  const expired = /\bexpired?\b/i.test(detail);
  return new CredentialsRejected(`${host}: ${detail} (${expired ? 'the login has expired' : 'wrong username or password'})`, { expired });
}

/**
 * The registry's own error text (`{"errors":[{"code","message"}]}`, `details`, `error`, or a
 * plain-text body such as ECR's), made safe to print: one line, bounded, and never quoting a
 * credential this conversation sent (sanitizeRegistryText).
 */
export function registryMessage(response: HttpResponse): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    const type = String(response.headers['content-type'] ?? '');
    if (!/^text\/plain\b/i.test(type) && type !== '') return undefined;
    const safe = sanitizeRegistryText(response.body, response.secrets);
    return safe === '' ? undefined : safe;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { errors, details, error } = parsed as { errors?: unknown; details?: unknown; error?: unknown };
  const first = Array.isArray(errors) ? (errors[0] as { code?: unknown; message?: unknown } | undefined) : undefined;
  const text =
    first && typeof first === 'object'
      ? [typeof first.code === 'string' ? first.code.toLowerCase() : '', typeof first.message === 'string' ? first.message : ''].filter(Boolean).join(': ')
      : typeof details === 'string'
        ? details
        : typeof error === 'string'
          ? error
          : '';
  const safe = sanitizeRegistryText(text, response.secrets);
  return safe === '' ? undefined : safe;
}
