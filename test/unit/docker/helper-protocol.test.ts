import { describe, expect, it } from 'vitest';
import { decodeServerAddress, decodeStoreInput, encodeGetReply, encodeListReply, goJson } from '../../../src/docker/helper-protocol.ts';

describe('decodeStoreInput', () => {
  it.each([
    ['{"ServerURL":"a","Username":"u","Secret":"s"}', { serverURL: 'a', username: 'u', secret: 's' }],
    ['{"serverurl":"a","username":"u","secret":"s"}', { serverURL: 'a', username: 'u', secret: 's' }],
    ['{"SERVERURL":"a","USERNAME":"u","SECRET":"s","Extra":1}', { serverURL: 'a', username: 'u', secret: 's' }],
    ['{"ServerURL":"a","Username":"\\u003ctoken\\u003e","Secret":"t"}', { serverURL: 'a', username: '<token>', secret: 't' }],
    ['{"ServerURL":"a","Username":"u","Secret":null}', { serverURL: 'a', username: 'u', secret: '' }],
    ['{"ServerURL":"a","Username":"u"}', { serverURL: 'a', username: 'u', secret: '' }],
    ['{\n  "ServerURL": "a",\n  "Username": "u",\n  "Secret": "s"\n}\n', { serverURL: 'a', username: 'u', secret: 's' }],
    // Inherited names are unknown keys like any other (issue 9: they were refused as type errors).
    ['{"ServerURL":"a","Username":"u","Secret":"s","constructor":1}', { serverURL: 'a', username: 'u', secret: 's' }],
    ['{"ServerURL":"a","Username":"u","Secret":"s","__proto__":{"x":1}}', { serverURL: 'a', username: 'u', secret: 's' }],
    ['{"ServerURL":"a","Username":"u","Secret":"s","toString":[],"hasOwnProperty":false}', { serverURL: 'a', username: 'u', secret: 's' }],
  ])('%j', (input, expected) => {
    expect(decodeStoreInput(input)).toEqual(expected);
  });

  it.each([
    ['', 'no input: store expects a JSON object'],
    [' \n\t', 'no input: store expects a JSON object'],
    ['not json', 'invalid JSON on stdin'],
    ['{"ServerURL":"a"', 'invalid JSON on stdin'],
    ['{"ServerURL":"a","Username":"u","Secret":"s"} trailing', 'invalid JSON on stdin'],
    ['[]', 'invalid input: store expects a JSON object'],
    ['"string"', 'invalid input: store expects a JSON object'],
    ['null', 'invalid input: store expects a JSON object'],
    ['{"ServerURL":1,"Username":"u"}', 'invalid input: ServerURL must be a string, not a number'],
    ['{"ServerURL":"a","Username":["u"]}', 'invalid input: Username must be a string, not an array'],
    ['{"ServerURL":"a","Username":"u","Secret":{}}', 'invalid input: Secret must be a string, not an object'],
    ['{"ServerURL":"","Username":"u"}', 'no credentials server URL'],
    ['{"ServerURL":null,"Username":"u"}', 'no credentials server URL'],
    ['{"Username":"u"}', 'no credentials server URL'],
    ['{"ServerURL":"a"}', 'no credentials username'],
    ['{"ServerURL":"a","Username":null}', 'no credentials username'],
  ])('%j is refused with %j', (input, message) => {
    expect(() => decodeStoreInput(input)).toThrow(message);
  });

  it('never quotes the input in a parse error (it may hold the secret)', () => {
    const secret = 'hunter2-very-secret';
    expect(() => decodeStoreInput(`{"ServerURL":"a","Username":"u","Secret":"${secret}" oops}`)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});

describe('decodeServerAddress', () => {
  it.each([
    ['https://index.docker.io/v1/', 'https://index.docker.io/v1/'],
    ['  https://index.docker.io/v1/ \r\n', 'https://index.docker.io/v1/'],
    ['https://index.docker.io/\nv1/\n', 'https://index.docker.io/v1/'],
    ['ghcr.io\n', 'ghcr.io'],
  ])('%j → %j', (input, expected) => {
    expect(decodeServerAddress(input)).toBe(expected);
  });

  it.each(['', ' ', '\n', '\r\n\r\n'])('%j is refused', (input) => {
    expect(() => decodeServerAddress(input)).toThrow('no credentials server URL');
  });
});

describe('encoding', () => {
  it.each([
    [{ a: '<token>' }, '{"a":"\\u003ctoken\\u003e"}'],
    [{ a: 's&<>' }, '{"a":"s\\u0026\\u003c\\u003e"}'],
    [{ a: '\u2028\u2029' }, '{"a":"\\u2028\\u2029"}'],
    [{ a: 'é"\\' }, '{"a":"é\\"\\\\"}'],
  ])('goJson(%j) escapes like Go', (value, expected) => {
    expect(goJson(value)).toBe(expected);
  });

  it('get reply has Go key order and one newline', () => {
    expect(encodeGetReply({ serverURL: 'https://index.docker.io/v1/', username: '<token>', secret: 's&<>' })).toBe(
      '{"ServerURL":"https://index.docker.io/v1/","Username":"\\u003ctoken\\u003e","Secret":"s\\u0026\\u003c\\u003e"}\n',
    );
  });

  it.each([
    [new Map(), '{}\n'],
    [
      new Map([
        ['b', 'u2'],
        ['a', 'u1'],
      ]),
      '{"a":"u1","b":"u2"}\n',
    ],
    [{ 'https://index.docker.io/v1/': '<token>' }, '{"https://index.docker.io/v1/":"\\u003ctoken\\u003e"}\n'],
  ])('list reply %#', (entries, expected) => {
    expect(encodeListReply(entries)).toBe(expected);
  });
});
