/**
 * Release archives that are the same bytes every time they are made from the same files: a
 * tar.gz for Unix (the executable bit and the docker-credential-dcm link kept, which a zip made
 * by GitHub's artifact upload loses) and a zip for Windows. Every entry has the same fixed time,
 * owner root, and the order given; gzip carries no name or time.
 */
import { deflateRawSync, crc32, gzipSync } from 'node:zlib';

export interface Entry {
  /** Path inside the archive, with `/`. */
  name: string;
  mode: number;
  /** File contents, or a symbolic link's target. */
  data: Buffer | { link: string };
}

/** 2000-01-01T00:00:00Z: any fixed time would do; a zip cannot say a time before 1980. */
const EPOCH = 946_684_800;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** ustar: a 512-byte header per entry, contents padded to 512, two empty blocks at the end. */
export function tarGz(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const isLink = !Buffer.isBuffer(entry.data);
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.alloc(0);
    if (Buffer.byteLength(entry.name) > 100) throw new Error(`${entry.name}: a name longer than 100 bytes needs a ustar prefix`);
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 'utf8');
    header.write(octal(entry.mode, 8), 100, 'latin1');
    header.write(octal(0, 8), 108, 'latin1');
    header.write(octal(0, 8), 116, 'latin1');
    header.write(octal(data.byteLength, 12), 124, 'latin1');
    header.write(octal(EPOCH, 12), 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write(isLink ? '2' : '0', 156, 'latin1');
    if (!Buffer.isBuffer(entry.data)) header.write(entry.data.link, 157, 'utf8');
    header.write('ustar\0', 257, 'latin1');
    header.write('00', 263, 'latin1');
    header.write('root', 265, 'latin1');
    header.write('root', 297, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(header, data, Buffer.alloc((512 - (data.byteLength % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks), { level: 6 });
}

/** A zip of deflated files; Unix modes in the external attributes, for unzip on Unix. */
export function zip(entries: Entry[]): Buffer {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    if (!Buffer.isBuffer(entry.data)) throw new Error(`${entry.name}: a zip for Windows carries no links`);
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data, { level: 6 });
    const crc = crc32(entry.data);
    // The fields from "version needed" to the name's length are the same in both headers.
    const common = { crc, compressed: compressed.byteLength, size: entry.data.byteLength, name: name.byteLength };
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    writeCommonFields(head, 4, common);
    local.push(head, name, compressed);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is read
    writeCommonFields(record, 6, common);
    record.writeUInt32LE(((0o100000 | entry.mode) << 16) >>> 0, 38);
    record.writeUInt32LE(offset, 42);
    central.push(record, name);
    offset += head.byteLength + name.byteLength + compressed.byteLength;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.byteLength, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, directory, end]);
}

/** DOS date and time of EPOCH: 2000-01-01 00:00:00. */
const DOS_TIME = 0;
const DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;

/**
 * Version needed (2.0), flags (UTF-8 names), method (deflate), time, date, CRC-32, the two sizes
 * and the name's length: 26 bytes at `at`, the same in a local header and a central record.
 */
function writeCommonFields(buffer: Buffer, at: number, entry: { crc: number; compressed: number; size: number; name: number }): void {
  buffer.writeUInt16LE(20, at);
  buffer.writeUInt16LE(0x0800, at + 2);
  buffer.writeUInt16LE(8, at + 4);
  buffer.writeUInt16LE(DOS_TIME, at + 6);
  buffer.writeUInt16LE(DOS_DATE, at + 8);
  buffer.writeUInt32LE(entry.crc, at + 10);
  buffer.writeUInt32LE(entry.compressed, at + 14);
  buffer.writeUInt32LE(entry.size, at + 18);
  buffer.writeUInt16LE(entry.name, at + 22);
}
