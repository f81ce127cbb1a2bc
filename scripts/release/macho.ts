/**
 * Mach-O code signatures, read and written on any platform, so that the macOS binaries can be
 * made on Linux. macOS on Apple silicon runs nothing unsigned; an ad-hoc signature (no identity,
 * just a hash of every page) is what the linker itself writes, and all a binary needs to run when
 * it was not downloaded by a browser (curl, Homebrew, `tar -x` leave no quarantine flag).
 *
 * What is written is the signature ld64 and lld write ("linker-signed"): one SuperBlob holding one
 * SHA-256 CodeDirectory, version 0x20400, 4 KiB pages, flags adhoc|linker-signed, the executable
 * segment fields set to __TEXT. `verifyCodeSignature` checks any signature's page hashes (Apple's
 * own, with its SHA-1 and SHA-256 directories, included), and test/cross checks both against
 * LLVM's llvm-objcopy, which writes the same kind of signature.
 *
 * Layout: the signature is the last thing in the file, inside __LINKEDIT, named by the
 * LC_CODE_SIGNATURE load command. Removing it truncates the file there and drops the command;
 * writing it appends one and grows __LINKEDIT to cover it.
 */
import { createHash } from 'node:crypto';

const MH_MAGIC_64 = 0xfeedfacf;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000;
const CS_ADHOC = 0x2;
const CS_LINKER_SIGNED = 0x20000;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const CS_HASHTYPE_SHA1 = 1;
const CS_HASHTYPE_SHA256 = 2;
const PAGE_SHIFT = 12;
const CODE_DIRECTORY_HEADER = 88;
/** __LINKEDIT's vmsize is rounded to the target's page: 16 KiB on arm64, 4 KiB on x86_64. */
const CPU_TYPE_ARM64 = 0x0100000c;
export const CPU_TYPE_X86_64 = 0x01000007;

export interface Segment {
  name: string;
  /** Offset of the load command in the file. */
  commandOffset: number;
  vmsize: bigint;
  fileoff: bigint;
  filesize: bigint;
}

export interface MachO {
  cpuType: number;
  /** MH_EXECUTE is 2. */
  fileType: number;
  commandCount: number;
  commandsSize: number;
  segments: Segment[];
  signature?: { commandOffset: number; dataoff: number; datasize: number };
  /** Where the first section's bytes begin: load commands may not grow past it. */
  firstSectionOffset: number;
}

export function parseMachO(file: Buffer): MachO {
  if (file.byteLength < 32 || file.readUInt32LE(0) !== MH_MAGIC_64) throw new Error('not a 64-bit little-endian Mach-O file');
  const cpuType = file.readUInt32LE(4);
  const fileType = file.readUInt32LE(12);
  const commandCount = file.readUInt32LE(16);
  const commandsSize = file.readUInt32LE(20);
  const segments: Segment[] = [];
  let signature: MachO['signature'];
  let firstSectionOffset = file.byteLength;
  let at = 32;
  for (let index = 0; index < commandCount; index++) {
    const cmd = file.readUInt32LE(at);
    const size = file.readUInt32LE(at + 4);
    if (size < 8 || at + size > 32 + commandsSize) throw new Error(`load command ${index} runs past the load commands`);
    if (cmd === LC_SEGMENT_64) {
      const name = file.toString('latin1', at + 8, at + 24).replace(/\0.*$/s, '');
      const sections = file.readUInt32LE(at + 64);
      for (let s = 0; s < sections; s++) {
        const section = at + 72 + s * 80;
        const offset = file.readUInt32LE(section + 48);
        const type = file.readUInt32LE(section + 64) & 0xff;
        // Zero-fill sections (S_ZEROFILL 1, S_GB_ZEROFILL 0xc, S_THREAD_LOCAL_ZEROFILL 0x12) have no bytes.
        if (offset > 0 && type !== 0x1 && type !== 0xc && type !== 0x12) firstSectionOffset = Math.min(firstSectionOffset, offset);
      }
      segments.push({
        name,
        commandOffset: at,
        vmsize: file.readBigUInt64LE(at + 32),
        fileoff: file.readBigUInt64LE(at + 40),
        filesize: file.readBigUInt64LE(at + 48),
      });
    } else if (cmd === LC_CODE_SIGNATURE) {
      signature = { commandOffset: at, dataoff: file.readUInt32LE(at + 8), datasize: file.readUInt32LE(at + 12) };
    }
    at += size;
  }
  return { cpuType, fileType, commandCount, commandsSize, segments, signature, firstSectionOffset };
}

function segment(macho: MachO, name: string): Segment {
  const found = macho.segments.find((s) => s.name === name);
  if (!found) throw new Error(`no ${name} segment`);
  return found;
}

function roundUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** The file without its code signature: the bytes before it, the command gone, __LINKEDIT shrunk. */
export function removeCodeSignature(input: Buffer): Buffer {
  const macho = parseMachO(input);
  const signature = macho.signature;
  if (!signature) return input;
  if (signature.dataoff + signature.datasize !== input.byteLength) throw new Error('the code signature is not at the end of the file');
  const out = Buffer.from(input.subarray(0, signature.dataoff));
  const last = 32 + macho.commandsSize;
  // Move the commands after LC_CODE_SIGNATURE down over it, and zero the freed 16 bytes.
  out.copy(out, signature.commandOffset, signature.commandOffset + 16, last);
  out.fill(0, last - 16, last);
  out.writeUInt32LE(macho.commandCount - 1, 16);
  out.writeUInt32LE(macho.commandsSize - 16, 20);
  const linkedit = segment(parseMachO(out), '__LINKEDIT');
  const filesize = BigInt(signature.dataoff) - linkedit.fileoff;
  out.writeBigUInt64LE(filesize, linkedit.commandOffset + 48);
  return out;
}

/** How large the signature of a file whose code ends at `codeLimit` is. */
function signatureSize(codeLimit: number, identifier: string): number {
  const slots = Math.ceil(codeLimit / (1 << PAGE_SHIFT));
  const directory = CODE_DIRECTORY_HEADER + Buffer.byteLength(identifier) + 1 + slots * 32;
  return roundUp(12 + 8 + directory, 16);
}

/**
 * Signs an unsigned (or signed: the old signature goes first) 64-bit Mach-O executable ad hoc,
 * as its linker would. `identifier` is the name macOS shows for it (codesign -dv).
 */
export function signAdHoc(input: Buffer, identifier: string): Buffer {
  const unsigned = removeCodeSignature(input);
  const macho = parseMachO(unsigned);
  const linkedit = segment(macho, '__LINKEDIT');
  const text = segment(macho, '__TEXT');
  if (linkedit.fileoff + linkedit.filesize !== BigInt(unsigned.byteLength)) throw new Error('__LINKEDIT does not end the file');
  if (32 + macho.commandsSize + 16 > macho.firstSectionOffset) throw new Error('no room for LC_CODE_SIGNATURE after the load commands');

  const codeLimit = roundUp(unsigned.byteLength, 16);
  const size = signatureSize(codeLimit, identifier);
  const out = Buffer.alloc(codeLimit + size);
  unsigned.copy(out);
  // The new load command, after the others (the space there is padding the linker left).
  const command = 32 + macho.commandsSize;
  out.writeUInt32LE(LC_CODE_SIGNATURE, command);
  out.writeUInt32LE(16, command + 4);
  out.writeUInt32LE(codeLimit, command + 8);
  out.writeUInt32LE(size, command + 12);
  out.writeUInt32LE(macho.commandCount + 1, 16);
  out.writeUInt32LE(macho.commandsSize + 16, 20);
  const filesize = BigInt(out.byteLength) - linkedit.fileoff;
  const page = macho.cpuType === CPU_TYPE_ARM64 ? 16384 : 4096;
  out.writeBigUInt64LE(filesize, linkedit.commandOffset + 48);
  out.writeBigUInt64LE(BigInt(roundUp(Number(filesize), page)), linkedit.commandOffset + 32);

  // The SuperBlob and its one CodeDirectory, big-endian as the kernel reads them.
  const slots = Math.ceil(codeLimit / (1 << PAGE_SHIFT));
  const identOffset = CODE_DIRECTORY_HEADER;
  const hashOffset = identOffset + Buffer.byteLength(identifier) + 1;
  const directoryLength = hashOffset + slots * 32;
  const blob = out.subarray(codeLimit);
  blob.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, 0);
  blob.writeUInt32BE(20 + directoryLength, 4);
  blob.writeUInt32BE(1, 8);
  blob.writeUInt32BE(CSSLOT_CODEDIRECTORY, 12);
  blob.writeUInt32BE(20, 16);
  const cd = blob.subarray(20, 20 + directoryLength);
  cd.writeUInt32BE(CSMAGIC_CODEDIRECTORY, 0);
  cd.writeUInt32BE(directoryLength, 4);
  cd.writeUInt32BE(0x20400, 8);
  cd.writeUInt32BE(CS_ADHOC | CS_LINKER_SIGNED, 12);
  cd.writeUInt32BE(hashOffset, 16);
  cd.writeUInt32BE(identOffset, 20);
  cd.writeUInt32BE(0, 24); // no special slots: no Info.plist, requirements or entitlements
  cd.writeUInt32BE(slots, 28);
  cd.writeUInt32BE(codeLimit, 32);
  cd.writeUInt8(32, 36);
  cd.writeUInt8(CS_HASHTYPE_SHA256, 37);
  cd.writeUInt8(0, 38);
  cd.writeUInt8(PAGE_SHIFT, 39);
  // spare2, scatterOffset, teamOffset, spare3 and codeLimit64 stay zero.
  cd.writeBigUInt64BE(text.fileoff, 64);
  cd.writeBigUInt64BE(text.filesize, 72);
  cd.writeBigUInt64BE(macho.fileType === 2 ? BigInt(CS_EXECSEG_MAIN_BINARY) : 0n, 80);
  cd.write(`${identifier}\0`, identOffset, 'utf8');
  for (let slot = 0; slot < slots; slot++) {
    const start = slot << PAGE_SHIFT;
    const page = out.subarray(start, Math.min(start + (1 << PAGE_SHIFT), codeLimit));
    createHash('sha256')
      .update(page)
      .digest()
      .copy(cd, hashOffset + slot * 32);
  }
  return out;
}

export interface SignatureReport {
  /** Every CodeDirectory found, with how many of its page hashes matched. */
  directories: { hashType: 'sha1' | 'sha256'; version: number; flags: number; pages: number; verified: number; identifier: string; pageSize: number }[];
}

/** Reads the signature and checks every page hash of every CodeDirectory in it. */
export function verifyCodeSignature(file: Buffer): SignatureReport {
  const macho = parseMachO(file);
  if (!macho.signature) throw new Error('no LC_CODE_SIGNATURE: the file is not signed');
  const blob = file.subarray(macho.signature.dataoff, macho.signature.dataoff + macho.signature.datasize);
  if (blob.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) throw new Error('the signature is not an embedded-signature SuperBlob');
  const directories: SignatureReport['directories'] = [];
  const count = blob.readUInt32BE(8);
  for (let index = 0; index < count; index++) {
    const type = blob.readUInt32BE(12 + index * 8);
    const offset = blob.readUInt32BE(16 + index * 8);
    const isDirectory = type === CSSLOT_CODEDIRECTORY || (type >= CSSLOT_ALTERNATE_CODEDIRECTORIES && type < CSSLOT_ALTERNATE_CODEDIRECTORIES + 5);
    if (!isDirectory || blob.readUInt32BE(offset) !== CSMAGIC_CODEDIRECTORY) continue;
    const cd = blob.subarray(offset, offset + blob.readUInt32BE(offset + 4));
    const hashOffset = cd.readUInt32BE(16);
    const identOffset = cd.readUInt32BE(20);
    const slots = cd.readUInt32BE(28);
    const codeLimit = cd.readUInt32BE(32);
    const hashSize = cd.readUInt8(36);
    const hashType = cd.readUInt8(37);
    const pageShift = cd.readUInt8(39);
    if (hashType !== CS_HASHTYPE_SHA1 && hashType !== CS_HASHTYPE_SHA256) throw new Error(`unknown hash type ${hashType}`);
    const algorithm = hashType === CS_HASHTYPE_SHA1 ? 'sha1' : 'sha256';
    let verified = 0;
    for (let slot = 0; slot < slots; slot++) {
      const start = slot << pageShift;
      const page = file.subarray(start, Math.min(start + (1 << pageShift), codeLimit));
      const expected = cd.subarray(hashOffset + slot * hashSize, hashOffset + (slot + 1) * hashSize);
      if (createHash(algorithm).update(page).digest().subarray(0, hashSize).equals(expected)) verified++;
    }
    const identifier = cd.toString('utf8', identOffset, cd.indexOf(0, identOffset));
    directories.push({
      hashType: algorithm,
      version: cd.readUInt32BE(8),
      flags: cd.readUInt32BE(12),
      pages: slots,
      verified,
      identifier,
      pageSize: 1 << pageShift,
    });
  }
  if (directories.length === 0) throw new Error('the signature holds no CodeDirectory');
  return { directories };
}
