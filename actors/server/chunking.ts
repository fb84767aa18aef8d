// NATS caps a message at max_payload, and a znode's data can be 1 MiB, so streams of log
// entries are cut into messages that fit, each one chaining to the one before.

import type { LogEntry } from '../../storage/txn.js';

/** Room left for the envelope around the entries (subject, headers, msgpack framing). */
const ENVELOPE_BYTES = 4096;
const ENTRY_OVERHEAD = 256;

function entryBytes(e: LogEntry): number {
  const txn = e.txn;
  let bytes = ENTRY_OVERHEAD;
  if (txn.type === 'multi') for (const t of txn.txns) bytes += ENTRY_OVERHEAD + ('data' in t ? t.data.length : 0) + ('path' in t ? t.path.length * 3 : 0);
  else bytes += ('data' in txn ? txn.data.length : 0) + ('path' in txn ? txn.path.length * 3 : 0);
  return bytes;
}

export function* chunkEntries(entries: LogEntry[], maxPayload: number): Generator<LogEntry[]> {
  const budget = maxPayload - ENVELOPE_BYTES;
  let part: LogEntry[] = [];
  let size = 0;
  for (const e of entries) {
    const b = entryBytes(e);
    if (part.length > 0 && size + b > budget) {
      yield part;
      part = [];
      size = 0;
    }
    part.push(e);
    size += b;
  }
  if (part.length > 0) yield part;
}
