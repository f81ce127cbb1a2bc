/**
 * Windows PE files: enough to take the OpenJS Foundation's Authenticode signature off node.exe
 * before dcm's blob goes in. Left on, the signature no longer matches the bytes (osslsigncode:
 * "PE signature not at the end of the file … Failed"); Windows still runs the file, but Smart App
 * Control and WDAC policies refuse it, and it claims a signer that never signed dcm. Unsigned is
 * honest; signing dcm itself needs a certificate (docs/releases.md).
 *
 * The signature is the certificate table (data directory 4), which by the format's rule is the
 * last thing in the file; removing it is truncating there and zeroing the directory entry and
 * computing the optional header's checksum again, as `osslsigncode remove-signature` does. test/cross checks
 * the two agree.
 */

export interface PeFile {
  machine: number;
  /** PE32+ (0x20b) or PE32 (0x10b). */
  magic: number;
  certificateEntry: number;
  checksumOffset: number;
  certificates: { offset: number; size: number };
}

export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;

export function parsePe(file: Buffer): PeFile {
  if (file.byteLength < 64 || file.toString('latin1', 0, 2) !== 'MZ') throw new Error('not a PE file: no MZ header');
  const pe = file.readUInt32LE(0x3c);
  if (file.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE file: no PE signature');
  const machine = file.readUInt16LE(pe + 4);
  const optional = pe + 24;
  const magic = file.readUInt16LE(optional);
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const certificateEntry = directories + 4 * 8;
  return {
    machine,
    magic,
    certificateEntry,
    checksumOffset: optional + 64,
    certificates: { offset: file.readUInt32LE(certificateEntry), size: file.readUInt32LE(certificateEntry + 4) },
  };
}

/** The file without its Authenticode signature (unchanged when it has none). */
export function removeAuthenticode(input: Buffer): Buffer {
  const pe = parsePe(input);
  const { offset, size } = pe.certificates;
  if (offset === 0 && size === 0) return input;
  if (offset + size !== input.byteLength) throw new Error('the certificate table is not at the end of the file');
  const out = Buffer.from(input.subarray(0, offset));
  out.writeUInt32LE(0, pe.certificateEntry);
  out.writeUInt32LE(0, pe.certificateEntry + 4);
  out.writeUInt32LE(peChecksum(out, pe.checksumOffset), pe.checksumOffset);
  return out;
}

/** The file with its optional header's CheckSum computed again (after bytes were added). */
export function withPeChecksum(input: Buffer): Buffer {
  const { checksumOffset } = parsePe(input);
  input.writeUInt32LE(peChecksum(input, checksumOffset), checksumOffset);
  return input;
}

/**
 * The optional header's CheckSum (what imagehlp's CheckSumMappedFile computes): the file's
 * 16-bit words summed with end-around carry, the checksum field itself skipped, plus the length.
 */
export function peChecksum(file: Buffer, checksumOffset: number): number {
  let sum = 0;
  const words = file.byteLength >> 1;
  for (let index = 0; index < words; index++) {
    const at = index * 2;
    if (at === checksumOffset || at === checksumOffset + 2) continue;
    sum += file.readUInt16LE(at);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (file.byteLength & 1) {
    sum += file[file.byteLength - 1] ?? 0;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ((sum & 0xffff) + file.byteLength) >>> 0;
}
