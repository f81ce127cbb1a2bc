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
  // DOS date and time of EPOCH: 2000-01-01 00:00:00.
  const dosTime = 0;
  const dosDate = ((2000 - 1980) << 9) | (1 << 5) | 1;
  for (const entry of entries) {
    if (!Buffer.isBuffer(entry.data)) throw new Error(`${entry.name}: a zip for Windows carries no links`);
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data, { level: 6 });
    const crc = crc32(entry.data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(0x0800, 6); // UTF-8 names
    head.writeUInt16LE(8, 8); // deflate
    head.writeUInt16LE(dosTime, 10);
    head.writeUInt16LE(dosDate, 12);
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(compressed.byteLength, 18);
    head.writeUInt32LE(entry.data.byteLength, 22);
    head.writeUInt16LE(name.byteLength, 26);
    local.push(head, name, compressed);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is read
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(0x0800, 8);
    record.writeUInt16LE(8, 10);
    record.writeUInt16LE(dosTime, 12);
    record.writeUInt16LE(dosDate, 14);
    record.writeUInt32LE(crc, 16);
    record.writeUInt32LE(compressed.byteLength, 20);
    record.writeUInt32LE(entry.data.byteLength, 24);
    record.writeUInt16LE(name.byteLength, 28);
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
