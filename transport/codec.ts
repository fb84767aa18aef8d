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

export function encodeOnce(value: object): Uint8Array {
  let bytes = encodedOnce.get(value);
  if (!bytes) {
    bytes = encode(value);
    encodedOnce.set(value, bytes);
  }
  return bytes;
}

/**
 * The bytes of encode({ ...fields, [key]: items }), with every item's bytes from encodeOnce: a
 * leader's log entries go to its log, to every follower and to the committed stream, and are
 * encoded once for all of them. Receivers decode it as any other message.
 */
export function encodeWithItems(fields: Record<string, unknown>, key: string, items: object[]): Uint8Array {
  const head = encoder.encode(fields);
  // A fixmap of fewer than 15 entries: one more entry is one more in its first byte.
  if ((head[0]! & 0xf0) !== 0x80 || (head[0]! & 0x0f) === 15) throw new Error('encodeWithItems takes a map of fewer than 15 fields');
  const parts = [encoder.encode(key).slice(), arrayHeader(items.length), ...items.map(encodeOnce)];
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
