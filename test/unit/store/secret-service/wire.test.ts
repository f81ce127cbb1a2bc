import { describe, expect, it } from 'vitest';
import { MESSAGE, decodeMessage, encodeCall, splitSignature } from '../../../../src/store/secret-service/wire.ts';

describe('the D-Bus wire format', () => {
  it('a call encodes and decodes back: header fields, each argument type the read path sends', () => {
    const bytes = encodeCall({
      serial: 7,
      destination: 'org.freedesktop.secrets',
      path: '/org/freedesktop/secrets',
      interface: 'org.freedesktop.Secret.Service',
      member: 'OpenSession',
      args: [
        { type: 's', value: 'dh-ietf1024-sha256-aes128-cbc-pkcs7' },
        { type: 'v', signature: 'ay', value: Buffer.from([1, 2, 3]) },
        { type: 'a{ss}', value: { service: 'dcm', username: 'ghcr.io' } },
        { type: 'ao', value: ['/org/freedesktop/secrets/collection/login/1', '/x'] },
        { type: 'o', value: '/org/freedesktop/secrets/session/s1' },
      ],
    });
    const decoded = decodeMessage(bytes);
    expect(decoded?.size).toBe(bytes.byteLength);
    expect(decoded?.message).toMatchObject({ type: MESSAGE.call, serial: 7, member: 'OpenSession' });
    expect(decoded?.message.body).toEqual([
      'dh-ietf1024-sha256-aes128-cbc-pkcs7',
      { signature: 'ay', value: Buffer.from([1, 2, 3]) },
      new Map([
        ['service', 'dcm'],
        ['username', 'ghcr.io'],
      ]),
      ['/org/freedesktop/secrets/collection/login/1', '/x'],
      '/org/freedesktop/secrets/session/s1',
    ]);
  });

  it('a message that has not fully arrived is not decoded', () => {
    const bytes = encodeCall({ serial: 1, destination: 'd.e', path: '/', interface: 'i.f', member: 'Hello' });
    expect(decodeMessage(bytes.subarray(0, bytes.byteLength - 1))).toBeUndefined();
    expect(decodeMessage(bytes.subarray(0, 10))).toBeUndefined();
  });

  it.each([
    ['a{sv}ao', ['a{sv}', 'ao']],
    ['a{o(oayays)}', ['a{o(oayays)}']],
    ['vo', ['v', 'o']],
    ['', []],
  ])('splitSignature(%j)', (signature, types) => {
    expect(splitSignature(signature)).toEqual(types);
  });
});
