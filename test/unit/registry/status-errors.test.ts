import { describe, expect, it } from 'vitest';
import { CredentialsRejected, RegistryError, ThresholdError } from '../../../src/errors.ts';
import { registryMessage, statusError } from '../../../src/registry/status-errors.ts';
import type { HttpResponse } from '../../../src/registry/transport.ts';

const response = (status: number, body = '', type = 'application/json'): HttpResponse => ({
  status,
  headers: { 'content-type': type },
  body,
  url: new URL('https://reg.example/v2/'),
  secrets: new Set(['s3cret-Passw0rd']),
});

describe('statusError: what an answer that is not success means', () => {
  it.each([
    ['401 at login: refused', response(401), 'login', CredentialsRejected, /wrong username or password/],
    ['403 at login (GHCR): refused', response(403, '{"errors":[{"code":"DENIED","message":"denied"}]}'), 'login', CredentialsRejected, /denied: denied/],
    ['401 at ping: not refused, not a registry answer', response(401), 'ping', RegistryError, /not a registry/],
    [
      'an expired token (ECR, plain text)',
      response(403, 'Your authorization token has expired.', 'text/plain'),
      'login',
      CredentialsRejected,
      /the login has expired/,
    ],
    ['429', response(429), 'login', ThresholdError, /rate limiting requests \(HTTP 429\)/],
    [
      '503 with a message',
      response(503, '{"errors":[{"code":"UNAVAILABLE","message":"down for maintenance"}]}'),
      'login',
      RegistryError,
      /failing \(HTTP 503: unavailable: down for maintenance\)/,
    ],
    ['404 at the token service', response(404), 'token', RegistryError, /token service at reg\.example answered HTTP 404/],
  ] as const)('%s', (_name, answer, stage, kind, message) => {
    const error = statusError(answer, 'reg.example', stage);
    expect(error).toBeInstanceOf(kind);
    expect(error.message).toMatch(message);
  });

  it('a registry that echoes the credentials sent is not quoted', () => {
    expect(registryMessage(response(401, '{"errors":[{"code":"UNAUTHORIZED","message":"bad password s3cret-Passw0rd"}]}'))).toBe(
      "(the registry's message is not shown: it quotes the credentials that were sent)",
    );
  });
});
