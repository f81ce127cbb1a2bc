/**
 * SigV4 against AWS's own test suite (aws-sig-v4-test-suite `get-vanilla`, whose signature botocore
 * computes too: 5fa00fa3…). Every request dcm sends is also checked by botocore in
 * test/integration/aws-provider.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { amzDate, signRequest } from '../../../../src/providers/aws/sigv4.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', source: 'test' };
const NOW = Date.parse('2015-08-30T12:36:00Z');

describe('signRequest', () => {
  it('get-vanilla', () => {
    const headers = signRequest(
      { method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {}, body: '' },
      credentials,
      'us-east-1',
      'service',
      NOW,
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('a session token is sent and signed', () => {
    const headers = signRequest(
      { method: 'POST', url: new URL('https://api.ecr.eu-west-1.amazonaws.com/'), headers: { 'Content-Type': 'application/x-amz-json-1.1' }, body: '{}' },
      { ...credentials, sessionToken: 'TOKEN' },
      'eu-west-1',
      'ecr',
      NOW,
    );
    expect(headers['x-amz-security-token']).toBe('TOKEN');
    expect(headers.authorization).toMatch(/SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,/);
  });

  it('amzDate', () => {
    expect(amzDate(Date.parse('2026-12-04T09:08:07.654Z'))).toBe('20261204T090807Z');
  });
});
