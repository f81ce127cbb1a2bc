import { describe, expect, it } from 'vitest';
import { parseAuthorizationReply, parseEcrHost } from '../../../../src/providers/aws/ecr.ts';

describe('parseEcrHost: every partition, FIPS, dual-stack, ECR Public', () => {
  it.each<[string, Record<string, unknown>]>([
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      { kind: 'private', account: '123456789012', region: 'eu-west-1', api: 'https://api.ecr.eu-west-1.amazonaws.com/' },
    ],
    ['123456789012.dkr.ecr-fips.us-east-1.amazonaws.com', { fips: true, region: 'us-east-1', api: 'https://api.ecr-fips.us-east-1.amazonaws.com/' }],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { region: 'cn-north-1', api: 'https://api.ecr.cn-north-1.amazonaws.com.cn/' }],
    ['123456789012.dkr-ecr.us-west-2.on.aws', { dualStack: true, api: 'https://ecr.us-west-2.api.aws/' }],
    ['123456789012.dkr.ecr.us-gov-west-1.amazonaws.com', { region: 'us-gov-west-1', api: 'https://api.ecr.us-gov-west-1.amazonaws.com/' }],
    ['123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu', { region: 'eusc-de-east-1', api: 'https://api.ecr.eusc-de-east-1.amazonaws.eu/' }],
    ['*.dkr.ecr.us-east-1.amazonaws.com', { account: '*', region: 'us-east-1', api: 'https://api.ecr.us-east-1.amazonaws.com/' }],
    ['public.ecr.aws', { kind: 'public', region: 'us-east-1', api: 'https://api.ecr-public.us-east-1.amazonaws.com/' }],
  ])('%s', (host, expected) => {
    const parsed = parseEcrHost(host);
    expect({ ...parsed, api: parsed?.api.href }).toMatchObject(expected);
  });

  it.each(['ghcr.io', '12345.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example'])('%s is not ECR', (host) => {
    expect(parseEcrHost(host)).toBeUndefined();
  });

  it('AWS_ENDPOINT_URL_ECR, then AWS_ENDPOINT_URL, replace the API endpoint', () => {
    expect(
      parseEcrHost('123456789012.dkr.ecr.eu-west-1.amazonaws.com', { AWS_ENDPOINT_URL_ECR: 'https://ecr.internal:8443', AWS_ENDPOINT_URL: 'https://x' })?.api
        .href,
    ).toBe('https://ecr.internal:8443/');
    expect(parseEcrHost('public.ecr.aws', { AWS_ENDPOINT_URL: 'https://x/' })?.api.href).toBe('https://x/');
  });
});

describe('parseAuthorizationReply', () => {
  const token = Buffer.from('AWS:the-password').toString('base64');
  it('the token, split, and its expiry in ms', () => {
    expect(
      parseAuthorizationReply(200, JSON.stringify({ authorizationData: [{ authorizationToken: token, expiresAt: 1.7e9, proxyEndpoint: 'https://x' }] }), 'ECR'),
    ).toEqual({
      username: 'AWS',
      secret: 'the-password',
      expiresAt: 1.7e12,
    });
    // ECR Public answers one object, not a list.
    expect(parseAuthorizationReply(200, JSON.stringify({ authorizationData: { authorizationToken: token, expiresAt: 1.7e9 } }), 'ECR Public').secret).toBe(
      'the-password',
    );
  });

  it.each<[number, string, RegExp, string]>([
    [
      400,
      '{"__type":"com.amazonaws#UnrecognizedClientException","message":"The security token included in the request is invalid."}',
      /refused: UnrecognizedClientException: The security token/,
      'credentials',
    ],
    [
      403,
      '{"__type":"AccessDeniedException","Message":"not authorized to perform: ecr:GetAuthorizationToken"}',
      /AccessDeniedException: not authorized/,
      'credentials',
    ],
    [503, 'Service Unavailable', /HTTP 503/, 'network'],
    [200, '{}', /without an authorizationToken/, 'failure'],
  ])('HTTP %i %s', (status, body, message, code) => {
    expect(() => parseAuthorizationReply(status, body, 'ECR')).toThrow(message);
    try {
      parseAuthorizationReply(status, body, 'ECR');
    } catch (error) {
      expect((error as { code: string }).code).toBe(code);
    }
  });
});
