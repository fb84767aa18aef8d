// Jute's primitive encoding (ZooKeeper's zookeeper.jute records are built from these): big-endian
// int and long, a one-byte boolean, and buffer/ustring/vector as an int length (-1: null) then
// the content. Every read is bounds-checked, so a short or lying frame fails as a JuteError
// instead of reading past its end.

export class JuteError extends Error {
  override readonly name = 'JuteError';
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();
const TWO_32 = 2 ** 32;

export class JuteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number { return this.bytes.length - this.offset; }

  private need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.bytes.length) throw new JuteError(`truncated record: ${what} needs ${n} bytes, ${this.remaining} left`);
  }

  int(): number {
    this.need(4, 'int');
    const v = this.view.getInt32(this.offset);
    this.offset += 4;
    return v;
  }

  /**
   * A jute long as a JS number. natszk's zxids, session ids and times stay below 2^53, so
   * what it sent comes back exact; a larger one (the session id a real ZooKeeper gave a client
   * that now reconnects here) comes out rounded, which can equal nothing natszk issued, so such
   * a session is simply unknown here, as it should be.
   */
  long(): number {
    this.need(8, 'long');
    const v = this.view.getInt32(this.offset) * TWO_32 + this.view.getUint32(this.offset + 4);
    this.offset += 8;
    return v;
  }

  bool(): boolean {
    this.need(1, 'boolean');
    return this.bytes[this.offset++] !== 0;
  }

  /** null (length -1) reads as empty: no request field here distinguishes the two. */
  buffer(): Uint8Array {
    const n = this.int();
    if (n === -1) return new Uint8Array(0);
    if (n < -1) throw new JuteError(`negative buffer length ${n}`);
    this.need(n, 'buffer');
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  ustring(): string {
    return utf8.decode(this.buffer());
  }

  vector<T>(item: (r: JuteReader) => T): T[] {
    const n = this.int();
    if (n === -1) return [];
    // Each element takes at least one byte: a larger count cannot be honest.
    if (n < -1 || n > this.remaining) throw new JuteError(`vector length ${n} with ${this.remaining} bytes left`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
}

/** One growing buffer: a reply is a dozen ints and longs, each written in place. */
export class JuteWriter {
  private buf = new Uint8Array(128);
  private view = new DataView(this.buf.buffer);
  private size = 0;

  private reserve(n: number): void {
    if (this.size + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.size + n));
    grown.set(this.buf.subarray(0, this.size));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  int(v: number): this {
    this.reserve(4);
    this.view.setInt32(this.size, v);
    this.size += 4;
    return this;
  }

  /** Exact for every JS integer below 2^53 in magnitude, negative ones (-1) too: high word, then low. */
  long(v: number): this {
    this.reserve(8);
    this.view.setInt32(this.size, Math.floor(v / TWO_32));
    this.view.setUint32(this.size + 4, v >>> 0);
    this.size += 8;
    return this;
  }

  bool(v: boolean): this {
    this.reserve(1);
    this.buf[this.size++] = v ? 1 : 0;
    return this;
  }

  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.reserve(v.length);
    this.buf.set(v, this.size);
    this.size += v.length;
    return this;
  }

  ustring(v: string | null): this {
    return this.buffer(v === null ? null : utf8Encoder.encode(v));
  }

  vector<T>(items: readonly T[] | null, item: (w: JuteWriter, v: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const v of items) item(this, v);
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.size);
  }

  /** The record with its 4-byte length in front, as it goes on the wire. */
  frame(): Uint8Array {
    const out = new Uint8Array(4 + this.size);
    new DataView(out.buffer).setInt32(0, this.size);
    out.set(this.buf.subarray(0, this.size), 4);
    return out;
  }
}
