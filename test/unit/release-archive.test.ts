import { describe, expect, it } from 'vitest';
import { tarGz, zip } from '../../scripts/release/archive.ts';
import { gunzipSync, inflateRawSync } from 'node:zlib';

const entries = [
  { name: 'd/dcm', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
  { name: 'd/docker-credential-dcm', mode: 0o777, data: { link: 'dcm' } },
];

describe('release archives', () => {
  it('are the same bytes every time they are made from the same files', () => {
    expect(tarGz(entries).equals(tarGz(entries))).toBe(true);
    expect(zip([entries[0]!]).equals(zip([entries[0]!]))).toBe(true);
  });

  it('tar: ustar headers with the mode, root owner, fixed time, a valid checksum, and the link', () => {
    const tar = gunzipSync(tarGz(entries));
    const header = tar.subarray(0, 512);
    expect(header.toString('latin1', 0, 5)).toBe('d/dcm');
    expect(header.toString('latin1', 100, 107)).toBe('0000755');
    expect(header.toString('latin1', 257, 262)).toBe('ustar');
    let sum = 0;
    for (const [i, byte] of header.entries()) sum += i >= 148 && i < 156 ? 32 : byte;
    expect(Number.parseInt(header.toString('latin1', 148, 154), 8)).toBe(sum);
    const link = tar.subarray(1024, 1536);
    expect(link.toString('latin1', 156, 157)).toBe('2');
    expect(link.toString('latin1', 157, 160)).toBe('dcm');
  });

  it('zip: a deflated entry that inflates back, and refuses a link', () => {
    const archive = zip([entries[0]!]);
    const nameLength = archive.readUInt16LE(26);
    const size = archive.readUInt32LE(18);
    expect(inflateRawSync(archive.subarray(30 + nameLength, 30 + nameLength + size)).toString()).toBe('#!/bin/sh\necho hi\n');
    expect(() => zip([entries[1]!])).toThrow(/no links/);
  });
});
