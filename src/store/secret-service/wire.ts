/**
 * The D-Bus wire format (the D-Bus specification, "Message Protocol"), little-endian, for the
 * few signatures the Secret Service read path sends (s, o, a{ss}, ao, v holding s or ay), and a
 * general reader for any reply. Pure: bytes in, values out.
 */

export type Value = string | number | bigint | boolean | Buffer | Value[] | Map<Value, Value> | { signature: string; value: Value };

export const MESSAGE = { call: 1, reply: 2, error: 3, signal: 4 } as const;

class Writer {
  readonly parts: Buffer[] = [];
  length = 0;
  readonly offset: number;
  constructor(offset = 0) {
    this.offset = offset;
  }
  private push(buffer: Buffer): void {
    this.parts.push(buffer);
    this.length += buffer.byteLength;
  }
  align(n: number): void {
    const pad = (n - ((this.offset + this.length) % n)) % n;
    if (pad) this.push(Buffer.alloc(pad));
  }
  byte(value: number): void {
    this.push(Buffer.from([value]));
  }
  uint32(value: number): void {
    this.align(4);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.push(b);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.uint32(bytes.byteLength);
    this.push(Buffer.concat([bytes, Buffer.from([0])]));
  }
  signature(value: string): void {
    this.byte(value.length);
    this.push(Buffer.from(`${value}\0`, 'ascii'));
  }
  raw(buffer: Buffer): void {
    this.push(buffer);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** One argument of a call, with its signature: what the read path sends. */
export type Arg =
  | { type: 's' | 'o'; value: string }
  | { type: 'a{ss}'; value: Record<string, string> }
  | { type: 'ao'; value: string[] }
  | { type: 'v'; signature: 's' | 'ay'; value: string | Buffer };

function writeArg(w: Writer, arg: Arg): void {
  switch (arg.type) {
    case 's':
    case 'o':
      w.string(arg.value);
      return;
    case 'ao': {
      w.uint32(0);
      const lengthAt = w.parts.length - 1;
      const start = w.length;
      for (const path of arg.value) w.string(path);
      w.parts[lengthAt]!.writeUInt32LE(w.length - start);
      return;
    }
    case 'a{ss}': {
      w.uint32(0);
      const lengthAt = w.parts.length - 1;
      w.align(8);
      const start = w.length;
      for (const [key, value] of Object.entries(arg.value)) {
        w.align(8);
        w.string(key);
        w.string(value);
      }
      w.parts[lengthAt]!.writeUInt32LE(w.length - start);
      return;
    }
    case 'v':
      w.signature(arg.signature);
      if (arg.signature === 's') {
        w.string(arg.value as string);
        return;
      }
      w.uint32((arg.value as Buffer).byteLength);
      w.raw(arg.value as Buffer);
  }
}

export interface Call {
  serial: number;
  destination: string;
  path: string;
  interface: string;
  member: string;
  args?: Arg[];
}

/** A method call message, ready for the socket. */
export function encodeCall(call: Call): Buffer {
  const signature = (call.args ?? []).map((arg) => arg.type).join('');
  const body = new Writer(0);
  for (const arg of call.args ?? []) writeArg(body, arg);
  const bodyBytes = body.bytes();
  const fields: Array<[number, string, string]> = [
    [1, 'o', call.path],
    [2, 's', call.interface],
    [3, 's', call.member],
    [6, 's', call.destination],
  ];
  if (signature) fields.push([8, 'g', signature]);
  const head = new Writer(0);
  head.raw(Buffer.from(['l'.charCodeAt(0), MESSAGE.call, 0, 1]));
  head.uint32(bodyBytes.byteLength);
  head.uint32(call.serial);
  head.uint32(0);
  const lengthAt = head.parts.length - 1;
  const start = head.length;
  for (const [code, type, value] of fields) {
    head.align(8);
    head.byte(code);
    head.signature(type);
    if (type === 'g') head.signature(value);
    else head.string(value);
  }
  head.parts[lengthAt]!.writeUInt32LE(head.length - start);
  head.align(8);
  return Buffer.concat([head.bytes(), bodyBytes]);
}

/** Splits a signature into its complete types: `a{sv}ao` → [`a{sv}`, `ao`]. */
export function splitSignature(signature: string): string[] {
  const types: string[] = [];
  let i = 0;
  const one = (): string => {
    const start = i;
    const c = signature[i++];
    if (c === 'a') one();
    else if (c === '(' || c === '{') {
      const close = c === '(' ? ')' : '}';
      while (signature[i] !== close) {
        if (i >= signature.length) throw new Error(`bad signature ${signature}`);
        one();
      }
      i++;
    }
    return signature.slice(start, i);
  };
  while (i < signature.length) types.push(one());
  return types;
}

const ALIGN: Record<string, number> = { y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, x: 8, t: 8, d: 8, s: 4, o: 4, g: 1, v: 1, a: 4, '(': 8, '{': 8, h: 4 };

class Reader {
  pos: number;
  readonly buffer: Buffer;
  readonly little: boolean;
  constructor(buffer: Buffer, start: number, little: boolean) {
    this.buffer = buffer;
    this.pos = start;
    this.little = little;
  }
  align(n: number): void {
    this.pos += (n - (this.pos % n)) % n;
  }
  uint32(): number {
    this.align(4);
    const v = this.little ? this.buffer.readUInt32LE(this.pos) : this.buffer.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  /** A fixed-size number (or boolean), aligned already. */
  fixed(c: string): Value {
    const b = this.buffer;
    const at = this.pos;
    if (c === 'y') {
      this.pos += 1;
      return b[at]!;
    }
    if (c === 'n' || c === 'q') {
      this.pos += 2;
      const v = this.little ? b.readUInt16LE(at) : b.readUInt16BE(at);
      return c === 'n' && v > 0x7fff ? v - 0x10000 : v;
    }
    if (c === 'x' || c === 't' || c === 'd') {
      this.pos += 8;
      if (c === 'd') return this.little ? b.readDoubleLE(at) : b.readDoubleBE(at);
      return this.little ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at);
    }
    const v = this.uint32();
    return c === 'b' ? v !== 0 : c === 'i' ? v | 0 : v;
  }

  read(type: string): Value {
    const c = type[0]!;
    this.align(ALIGN[c] ?? 1);
    switch (c) {
      case 'y':
      case 'b':
      case 'n':
      case 'q':
      case 'i':
      case 'u':
      case 'h':
      case 'x':
      case 't':
      case 'd':
        return this.fixed(c);
      case 's':
      case 'o': {
        const length = this.uint32();
        const text = this.buffer.toString('utf8', this.pos, this.pos + length);
        this.pos += length + 1;
        return text;
      }
      case 'g': {
        const length = this.buffer[this.pos++]!;
        const text = this.buffer.toString('ascii', this.pos, this.pos + length);
        this.pos += length + 1;
        return text;
      }
      case 'v': {
        const signature = this.read('g') as string;
        return { signature, value: this.read(signature) };
      }
      case 'a': {
        const length = this.uint32();
        const element = type.slice(1);
        if (element === 'y') {
          const bytes = this.buffer.subarray(this.pos, this.pos + length);
          this.pos += length;
          return Buffer.from(bytes);
        }
        this.align(ALIGN[element[0]!] ?? 1);
        const end = this.pos + length;
        if (element[0] === '{') {
          const [keyType, valueType] = splitSignature(element.slice(1, -1)) as [string, string];
          const map = new Map<Value, Value>();
          while (this.pos < end) {
            this.align(8);
            map.set(this.read(keyType), this.read(valueType));
          }
          return map;
        }
        const items: Value[] = [];
        while (this.pos < end) items.push(this.read(element));
        return items;
      }
      case '(': {
        return splitSignature(type.slice(1, -1)).map((member) => this.read(member));
      }
      default:
        throw new Error(`unsupported D-Bus type ${type}`);
    }
  }
}

export interface Message {
  type: number;
  serial: number;
  replySerial?: number;
  errorName?: string;
  member?: string;
  body: Value[];
}

/** The first complete message in `buffer`, and how many bytes it took; undefined when more are needed. */
export function decodeMessage(buffer: Buffer): { message: Message; size: number } | undefined {
  if (buffer.byteLength < 16) return undefined;
  const little = buffer[0] === 'l'.charCodeAt(0);
  const read32 = (at: number) => (little ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at));
  const bodyLength = read32(4);
  const fieldsLength = read32(12);
  const headerEnd = 16 + fieldsLength;
  const bodyStart = headerEnd + ((8 - (headerEnd % 8)) % 8);
  const size = bodyStart + bodyLength;
  if (buffer.byteLength < size) return undefined;
  const r = new Reader(buffer, 12, little);
  const fields = r.read('a(yv)') as Array<[number, { signature: string; value: Value }]>;
  const field = (code: number) => fields.find(([c]) => c === code)?.[1].value;
  const signature = (field(8) as string | undefined) ?? '';
  const body = new Reader(buffer.subarray(0, size), bodyStart, little);
  const values = splitSignature(signature).map((type) => body.read(type));
  return {
    message: {
      type: buffer[1]!,
      serial: read32(8),
      replySerial: field(5) as number | undefined,
      errorName: field(4) as string | undefined,
      member: field(3) as string | undefined,
      body: values,
    },
    size,
  };
}
