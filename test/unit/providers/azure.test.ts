import { describe, expect, it } from 'vitest';
import { parseEntraReply } from '../../../src/providers/azure.ts';
import { jwtExpiry } from '../../../src/registry/expiry.ts';

describe('parseEntraReply', () => {
  it('the access token', () => {
    expect(parseEntraReply(200, '{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ.a.b"}', 'Entra')).toBe('eyJ.a.b');
  });

  it.each<[number, string, string, string]>([
    [
      401,
      '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: 1\\r\\nCorrelation ID: 2"}',
      'azure: Entra refused: invalid_client: AADSTS7000215: Invalid client secret provided.',
      'credentials',
    ],
    [400, '{"error":"invalid_scope"}', 'azure: Entra refused: invalid_scope', 'credentials'],
    [503, '<html>', 'azure: Entra refused: HTTP 503', 'network'],
    [200, '{"token_type":"Bearer"}', 'azure: Entra refused: HTTP 200', 'credentials'],
  ])('HTTP %i %s: one line, without trace ids', (status, body, message, code) => {
    expect(() => parseEntraReply(status, body, 'Entra')).toThrow(expect.objectContaining({ message, code }));
  });
});

describe('the expiry azure reads from an ACR refresh token (registry/expiry.ts jwtExpiry)', () => {
  const jwt = (claims: unknown) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  it.each<[string, string, number | undefined]>([
    ['a JWT with exp', jwt({ exp: 1_800_000_000 }), 1_800_000_000_000],
    ['a JWT without exp', jwt({ iss: 'x' }), undefined],
    ['not a JWT', 'ghp_plain-token', undefined],
    ['garbage claims', 'a.!!!.c', undefined],
  ])('%s', (_name, token, expected) => {
    expect(jwtExpiry(token)?.getTime()).toBe(expected);
  });
});
