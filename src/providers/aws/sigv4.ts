/**
 * AWS Signature Version 4 for the few requests dcm sends (ECR's GetAuthorizationToken, STS's
 * AssumeRole): the canonical request, the string to sign and the derived key, on node:crypto
 * alone. test/integration/aws-provider.test.ts has botocore compute the signature of each
 * request the ECR stand-in receives, so this is checked byte for byte against AWS's own code.
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch ms, when the credentials are temporary. */
  expiresAt?: number;
  /** Where they came from, for messages (`environment`, `profile ci`, `IMDS role web`). */
  source: string;
}

export interface SignableRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body: string;
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20261204T120000Z`, the form of X-Amz-Date. */
export function amzDate(now: number): string {
  return new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * The request with its `x-amz-date`, `x-amz-security-token` and `authorization` headers, signed
 * for `service` in `region` at `now`. Every header given is signed (as botocore signs them all).
 */
export function signRequest(request: SignableRequest, credentials: AwsCredentials, region: string, service: string, now: number): Record<string, string> {
  const date = amzDate(now);
  const headers: Record<string, string> = { ...lowerKeys(request.headers), host: request.url.host, 'x-amz-date': date };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const query = [...request.url.searchParams]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const path =
    request.url.pathname
      .split('/')
      .map((segment) => uriEncode(decodeURIComponent(segment)))
      .join('/') || '/';
  const canonicalRequest = [request.method, path, query, canonicalHeaders, signedHeaders, sha256(request.body)].join('\n');
  const scope = `${date.slice(0, 8)}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date.slice(0, 8)), region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
