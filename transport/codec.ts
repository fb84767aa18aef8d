// The one msgpack codec. Every message on NATS and every value in LMDB goes through here, so
// the encoder is created once and reused (it keeps its buffer between calls).

import { Decoder, Encoder } from '@msgpack/msgpack';

const encoder = new Encoder({ ignoreUndefined: true });
// Limits keep a hostile payload from making us allocate without bound.
const decoder = new Decoder({
  maxStrLength: 64 * 1024 * 1024,
  maxBinLength: 64 * 1024 * 1024,
  maxArrayLength: 16 * 1024 * 1024,
  maxMapLength: 1024 * 1024,
  maxExtLength: 1024 * 1024,
});

export function encode(value: unknown): Uint8Array {
  // encode() returns a view of the shared buffer; copy so callers may keep it.
  return encoder.encode(value).slice();
}

/** Throws on malformed input; callers at the edge turn that into MARSHALLINGERROR. */
export function decode(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/** Each value's encoding, made once however many places it goes. */
const encodedOnce = new WeakMap<object, Uint8Array>();

/** form: what goes on the wire in value's place (log entries travel as arrays). */
export function encodeOnce<T extends object>(value: T, form: (v: T) => unknown = (v) => v): Uint8Array {
  let bytes = encodedOnce.get(value);
  if (!bytes) {
    bytes = encode(form(value));
    encodedOnce.set(value, bytes);
  }
  return bytes;
}

/** to was parsed from from: the bytes from was decoded from (if kept) are to's encoding too. */
export function adoptEncoding(from: object, to: object): void {
  const bytes = encodedOnce.get(from);
  if (bytes) encodedOnce.set(to, bytes);
}

/**
 * decode(bytes) of a map whose `key` holds a list (a proposal's entries), each item's own
 * bytes kept as its encoding (see adoptEncoding): a follower logs the entries the leader
 * encoded, byte for byte, instead of encoding them again.
 */
export function decodeKeepingItems(bytes: Uint8Array, key: string): unknown {
  const value = decode(bytes);
  const items = (value as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(items)) return value;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = itemsStart(bytes, view, key);
  if (start === undefined) return value;
  let at = start;
  for (const item of items) {
    const end = skip(bytes, view, at);
    if (item !== null && typeof item === 'object') encodedOnce.set(item, bytes.subarray(at, end));
    at = end;
  }
  return value;
}

/** Where the first item of the list under `key` of the top-level map starts (after its header). */
function itemsStart(b: Uint8Array, view: DataView, key: string): number | undefined {
  const [count, first] = header(b, view, 0, 'map');
  let at = first;
  for (let i = 0; i < count; i++) {
    const keyEnd = skip(b, view, at);
    if (decode(b.subarray(at, keyEnd)) === key) return header(b, view, keyEnd, 'array')[1];
    at = skip(b, view, keyEnd);
  }
  return undefined;
}

/** [entries, offset of the first] of the map or array header at `at`. */
function header(b: Uint8Array, view: DataView, at: number, kind: 'map' | 'array'): [number, number] {
  const t = b[at]!;
  if (kind === 'map') {
    if ((t & 0xf0) === 0x80) return [t & 0x0f, at + 1];
    if (t === 0xde) return [view.getUint16(at + 1), at + 3];
    if (t === 0xdf) return [view.getUint32(at + 1), at + 5];
  } else {
    if ((t & 0xf0) === 0x90) return [t & 0x0f, at + 1];
    if (t === 0xdc) return [view.getUint16(at + 1), at + 3];
    if (t === 0xdd) return [view.getUint32(at + 1), at + 5];
  }
  throw new Error(`no msgpack ${kind} at byte ${at}`);
}

/** The offset just after the msgpack value at `at` (the bytes decoded whole already, so well-formed). */
function skip(b: Uint8Array, view: DataView, at: number): number {
  const t = b[at]!;
  if (t <= 0x7f || t >= 0xe0) return at + 1; // fixint
  if (t <= 0x8f) return skipMany(b, view, at + 1, 2 * (t & 0x0f)); // fixmap
  if (t <= 0x9f) return skipMany(b, view, at + 1, t & 0x0f); // fixarray
  if (t <= 0xbf) return at + 1 + (t & 0x1f); // fixstr
  switch (t) {
    case 0xc0: case 0xc2: case 0xc3: return at + 1; // nil, false, true
    case 0xc4: case 0xd9: return at + 2 + b[at + 1]!; // bin8, str8
    case 0xc5: case 0xda: return at + 3 + view.getUint16(at + 1); // bin16, str16
    case 0xc6: case 0xdb: return at + 5 + view.getUint32(at + 1); // bin32, str32
    case 0xc7: return at + 3 + b[at + 1]!; // ext8
    case 0xc8: return at + 4 + view.getUint16(at + 1); // ext16
    case 0xc9: return at + 6 + view.getUint32(at + 1); // ext32
    case 0xcc: case 0xd0: return at + 2; // uint8, int8
    case 0xcd: case 0xd1: return at + 3;
    case 0xca: case 0xce: case 0xd2: return at + 5; // float32, uint32, int32
    case 0xcb: case 0xcf: case 0xd3: return at + 9; // float64, uint64, int64
    case 0xd4: return at + 3; // fixext1..16
    case 0xd5: return at + 4;
    case 0xd6: return at + 6;
    case 0xd7: return at + 10;
    case 0xd8: return at + 18;
    case 0xdc: return skipMany(b, view, at + 3, view.getUint16(at + 1)); // array16
    case 0xdd: return skipMany(b, view, at + 5, view.getUint32(at + 1)); // array32
    case 0xde: return skipMany(b, view, at + 3, 2 * view.getUint16(at + 1)); // map16
    case 0xdf: return skipMany(b, view, at + 5, 2 * view.getUint32(at + 1)); // map32
  }
  throw new Error(`byte 0x${t.toString(16)} at ${at} starts no msgpack value`);
}

function skipMany(b: Uint8Array, view: DataView, at: number, n: number): number {
  for (let i = 0; i < n; i++) at = skip(b, view, at);
  return at;
}

/**
 * The bytes of encode({ ...fields, [key]: items }), given each item's own encoding: a leader's
 * log entries go to its log, to every follower and to the committed stream, and are encoded
 * once for all of them. Receivers decode it as any other message.
 */
export function encodeWithItems(fields: Record<string, unknown>, key: string, items: Uint8Array[]): Uint8Array {
  const head = encoder.encode(fields);
  // A fixmap of fewer than 15 entries: one more entry is one more in its first byte.
  if ((head[0]! & 0xf0) !== 0x80 || (head[0]! & 0x0f) === 15) throw new Error('encodeWithItems takes a map of fewer than 15 fields');
  const parts = [encoder.encode(key).slice(), arrayHeader(items.length), ...items];
  const out = new Uint8Array(head.length + parts.reduce((n, p) => n + p.length, 0));
  out.set(head);
  out[0] = head[0]! + 1;
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function arrayHeader(length: number): Uint8Array {
  if (length < 16) return Uint8Array.of(0x90 | length);
  if (length < 0x10000) return Uint8Array.of(0xdc, length >> 8, length & 0xff);
  return Uint8Array.of(0xdd, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
}
