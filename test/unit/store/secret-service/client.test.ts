import { createCipheriv, createDiffieHellman, getDiffieHellman, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { busSocket, decryptSecret, modPow, sessionKey } from '../../../../src/store/secret-service/client.ts';

describe('the Diffie-Hellman session', () => {
  // OpenSSL's modp2 is RFC 2409's second Oakley group, the one the Secret Service specifies.
  const group = getDiffieHellman('modp2');
  const P = BigInt(`0x${group.getPrime('hex')}`);
  // One server object (its constructor checks the group: tens of ms), a new key pair per exchange.
  const server = createDiffieHellman(group.getPrime(), group.getGenerator());
  const newServerKeys = () => {
    server.setPrivateKey(randomBytes(32));
    server.generateKeys();
  };

  it('modPow agrees with OpenSSL’s public key for the same private key', () => {
    for (let i = 0; i < 5; i++) {
      newServerKeys();
      const x = BigInt(`0x${server.getPrivateKey('hex')}`);
      expect(modPow(2n, x, P).toString(16).padStart(256, '0')).toBe(server.getPublicKey('hex').padStart(256, '0'));
    }
  });

  it('the session key is HKDF-SHA256 of the padded shared secret: a server’s AES-128-CBC secret decrypts (200 random exchanges: padding fails 1 in 256)', async () => {
    for (let i = 0; i < 200; i++) {
      newServerKeys();
      const clientPrivate = BigInt(`0x${randomBytes(32).toString('hex')}`);
      const clientPublic = Buffer.from(modPow(2n, clientPrivate, P).toString(16).padStart(256, '0'), 'hex');
      const shared = server.computeSecret(clientPublic);
      const padded = Buffer.concat([Buffer.alloc(128 - shared.byteLength), shared]);
      const serverKey = Buffer.from(hkdfSync('sha256', padded, Buffer.alloc(0), Buffer.alloc(0), 16));
      expect(await sessionKey(server.getPublicKey(), clientPrivate)).toEqual(serverKey);
      // What the service sends: the secret encrypted with its key; the client's key opens it.
      const iv = randomBytes(16);
      const secret = `s€cret-${i}-${'x'.repeat(i)}`;
      const cipher = createCipheriv('aes-128-cbc', serverKey, iv);
      const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      expect((await decryptSecret(await sessionKey(server.getPublicKey(), clientPrivate), iv, sealed)).toString('utf8')).toBe(secret);
    }
  });

  it('a secret whose padding is wrong (a key that does not match) is refused, not returned garbled', async () => {
    // Fixed bytes: a random wrong key would yield valid-looking padding 1 time in 256.
    const iv = Buffer.alloc(16, 2);
    const cipher = createCipheriv('aes-128-cbc', Buffer.alloc(16, 1), iv);
    const sealed = Buffer.concat([cipher.update('secret'), cipher.final()]);
    await expect(decryptSecret(Buffer.alloc(16, 3), iv, sealed)).rejects.toThrow();
  });

  it.each([0n, 1n])('a server key of %s (outside the group) is refused', async (y) => {
    await expect(sessionKey(Buffer.from(y.toString(16).padStart(2, '0'), 'hex'), 5n)).rejects.toThrow(/outside the group/);
  });
});

describe('busSocket', () => {
  it.each<[Record<string, string>, string | undefined]>([
    [{ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' }, '/run/user/1000/bus'],
    [{ DBUS_SESSION_BUS_ADDRESS: 'unix:abstract=/tmp/dbus-XYZ,guid=abc' }, '\0/tmp/dbus-XYZ'],
    [{ DBUS_SESSION_BUS_ADDRESS: 'tcp:host=x,port=1;unix:path=/tmp/b%20us' }, '/tmp/b us'],
    [{ XDG_RUNTIME_DIR: '/run/user/7' }, '/run/user/7/bus'],
    [{}, undefined],
  ])('%j → %j', (env, socket) => {
    expect(busSocket(env)).toBe(socket);
  });
});
