import { createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseTokenReply, serviceAccountAssertion } from '../../../src/providers/gcp.ts';

const NOW = Date.parse('2026-12-04T12:00:00Z');

describe('parseTokenReply: OAuth2, STS and IAM credentials answers', () => {
  it.each<[string, number, string, { token: string; expiresAt: number }]>([
    ['OAuth2', 200, '{"access_token":"ya29.a","expires_in":3599,"token_type":"Bearer"}', { token: 'ya29.a', expiresAt: NOW + 3_599_000 }],
    [
      'IAM generateAccessToken',
      200,
      '{"accessToken":"ya29.b","expireTime":"2026-12-04T13:00:00Z"}',
      { token: 'ya29.b', expiresAt: Date.parse('2026-12-04T13:00:00Z') },
    ],
    ['no lifetime: an hour', 200, '{"access_token":"ya29.c"}', { token: 'ya29.c', expiresAt: NOW + 3_600_000 }],
  ])('%s', (_name, status, body, expected) => {
    expect(parseTokenReply(status, body, 'x', NOW)).toEqual(expected);
  });

  it.each<[number, string, RegExp, string]>([
    [400, '{"error":"invalid_grant","error_description":"Invalid JWT Signature."}', /refused: invalid_grant: Invalid JWT Signature\.$/, 'credentials'],
    [401, '{"error":"invalid_client"}', /refused: invalid_client$/, 'credentials'],
    [503, 'upstream connect error', /refused: HTTP 503$/, 'network'],
    [200, '{"token_type":"Bearer"}', /without an access token/, 'failure'],
  ])('HTTP %i %s', (status, body, message, code) => {
    expect(() => parseTokenReply(status, body, 'the token endpoint', NOW)).toThrow(message);
    expect(() => parseTokenReply(status, body, 'the token endpoint', NOW)).toThrow(expect.objectContaining({ code }));
  });
});

describe('serviceAccountAssertion', () => {
  it('an RS256 JWT for the token endpoint, an hour long, that the key’s public half verifies', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwt = serviceAccountAssertion(
      { client_email: 'sa@p.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), private_key_id: 'k1' },
      'https://oauth2.googleapis.com/token',
      NOW,
    );
    const [header, claims, signature] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({
      iss: 'sa@p.iam.gserviceaccount.com',
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: 'https://oauth2.googleapis.com/token',
      iat: NOW / 1000,
      exp: NOW / 1000 + 3600,
    });
    expect(createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, signature, 'base64url')).toBe(true);
  });
});
