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
