/**
 * The kubelet's request and response as data, in the shapes kubernetes/website documents
 * (content/en/docs/reference/config-api/kubelet-credentialprovider.v1.md) and the kubelet's own
 * test plugins print (kubernetes/kubernetes test/e2e_node credential provider scripts).
 */
import { describe, expect, it } from 'vitest';
import { BadRequest, cacheDurationFor, encodeResponse, goDuration, parseRequest, registryOf } from '../../../src/kubelet/protocol.ts';

describe('parseRequest', () => {
  it.each([
    [
      'v1',
      { apiVersion: 'credentialprovider.kubelet.k8s.io/v1', kind: 'CredentialProviderRequest', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2' },
    ],
    ['v1beta1', { apiVersion: 'credentialprovider.kubelet.k8s.io/v1beta1', kind: 'CredentialProviderRequest', image: 'gcr.io/proj/app' }],
    [
      'v1 with the 1.33 service-account fields',
      {
        apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
        kind: 'CredentialProviderRequest',
        image: 'x.azurecr.io/a',
        serviceAccountToken: 'eyJ.a.b',
        serviceAccountAnnotations: { 'a/b': 'c' },
      },
    ],
  ])('%s', (_name, request) => {
    expect(parseRequest(JSON.stringify(request))).toEqual(request.kind ? Object.fromEntries(Object.entries(request).filter(([k]) => k !== 'kind')) : request);
  });

  it.each([
    ['', /empty/],
    ['{', /not JSON/],
    ['[]', /kind is null/],
    ['{"kind":"ExecCredential","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"a"}', /kind is "ExecCredential"/],
    [
      '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1alpha1","image":"a"}',
      /apiVersion "credentialprovider\.kubelet\.k8s\.io\/v1alpha1" is not one dcm speaks/,
    ],
    ['{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1"}', /no image/],
    [`{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"${'a'.repeat(70_000)}"}`, /over 65536 bytes/],
  ])('%s is refused', (text, message) => {
    expect(() => parseRequest(text)).toThrow(BadRequest);
    expect(() => parseRequest(text)).toThrow(message);
  });
});

describe('registryOf', () => {
  it.each([
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2', '123456789012.dkr.ecr.us-east-1.amazonaws.com'],
    ['registry.io:8080/path/app@sha256:abc', 'registry.io:8080'],
    ['localhost/app', 'localhost'],
    ['ubuntu', 'docker.io'],
    ['library/ubuntu:24.04', 'docker.io'],
    ['GHCR.IO/Org/App', 'ghcr.io'],
  ])('%s → %s', (image, registry) => {
    expect(registryOf(image)).toBe(registry);
  });
});

describe('cache durations', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [3_600_000, '1h0m0s'],
    [5 * 3_600_000 + 59 * 60_000 + 30_000, '5h59m30s'],
  ])('goDuration(%i) = %s', (ms, text) => {
    expect(goDuration(ms)).toBe(text);
  });
  it('half of what is left; nothing for a token within a minute of its end', () => {
    expect(cacheDurationFor(12 * 3_600_000, 0)).toBe('6h0m0s');
    expect(cacheDurationFor(50_000, 0)).toBe('0s');
  });
});

describe('encodeResponse', () => {
  it('the documented shape, in the request’s apiVersion', () => {
    expect(
      JSON.parse(
        encodeResponse({
          apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
          cacheKeyType: 'Registry',
          cacheDuration: '6h0m0s',
          auth: { '*.azurecr.io': { username: 'u', password: 'p' } },
        }),
      ),
    ).toEqual({
      kind: 'CredentialProviderResponse',
      apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
      cacheKeyType: 'Registry',
      cacheDuration: '6h0m0s',
      auth: { '*.azurecr.io': { username: 'u', password: 'p' } },
    });
  });
});
