import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decode, decodeKeepingItems, encode, encodeOnce, encodeWithItems } from '../transport/codec.js';
import { rng } from './sim/scheduler.js';

const entry = (i: number) => ({ zxid: 2 ** 32 + i, time: 1795600800000 + i, sessionId: 0, txn: { type: 'setData', path: `/k${i}`, data: new Uint8Array(i % 300).fill(i & 0xff), version: i } });

test('a message spliced from encoded entries is byte for byte what encode makes of it', () => {
  for (const n of [0, 1, 15, 16, 300, 65_535, 65_536]) {
    const items = Array.from({ length: n }, (_, i) => entry(i));
    const fields = { type: 'proposal', epoch: 7, prevZxid: 2 ** 32 };
    const spliced = encodeWithItems(fields, 'entries', items.map((i) => encodeOnce(i)));
    assert.equal(Buffer.from(spliced), Buffer.from(encode({ ...fields, entries: items })), `${n} entries`);
    assert.equal(decode(spliced), { ...fields, entries: items });
  }
});

test('fields left undefined are left out, as encode leaves them', () => {
  const spliced = encodeWithItems({ a: 1, b: undefined }, 'entries', [encodeOnce(entry(1))]);
  assert.equal(decode(spliced), { a: 1, entries: [entry(1)] });
});

test('an entry is encoded once, and its bytes are those of encode', () => {
  const e = entry(3);
  const first = encodeOnce(e);
  assert.is(encodeOnce(e), first);
  assert.equal(Buffer.from(first), Buffer.from(encode(e)));
});

/** A value of any msgpack type and size class: every header a scanner must step over. */
function anyValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 2 ? 9 : 12));
  const size = [0, 5, 31, 32, 255, 256, 70_000][Math.floor(random() * 7)]!;
  switch (pick) {
    case 0: return null;
    case 1: return random() < 0.5;
    case 2: return [0, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32, 2 ** 53 - 1][Math.floor(random() * 9)]! * (random() < 0.3 ? -1 : 1);
    case 3: return random() * 1e6;
    case 4: return 'é'.repeat(size);
    case 5: return new Uint8Array(size).fill(7);
    case 6: return -(2 ** 31) - 5;
    case 7: return Math.floor(random() * 100) - 50;
    case 8: return 'x';
    case 9: return Array.from({ length: [0, 3, 16, 17][Math.floor(random() * 4)]! }, () => anyValue(random, depth + 1));
    default: return Object.fromEntries(Array.from({ length: [0, 2, 15, 16, 20][Math.floor(random() * 5)]! }, (_, i) => [`k${i}`, anyValue(random, depth + 1)]));
  }
}

test('decodeKeepingItems keeps each item\'s own bytes, whatever they hold', () => {
  const random = rng(7);
  for (let round = 0; round < 200; round++) {
    const items = Array.from({ length: Math.floor(random() * 20) }, () => ({ a: anyValue(random), b: anyValue(random) }));
    const fields = { type: 'proposal', epoch: anyValue(random), prevZxid: 2 ** 32 };
    const bytes = encode({ ...fields, entries: items, after: anyValue(random) });
    const decoded = decodeKeepingItems(bytes, 'entries') as { entries: object[] };
    assert.equal(decoded, decode(bytes));
    for (const [i, item] of decoded.entries.entries()) {
      const kept = encodeOnce(item);
      assert.equal(Buffer.from(kept), Buffer.from(encode(items[i])), `round ${round}, item ${i}`);
      assert.is(kept.buffer, bytes.buffer, 'a view of the message, not an encoding of its own');
    }
  }
  assert.equal(decodeKeepingItems(encode({ entries: 'none' }), 'entries'), { entries: 'none' }, 'no list there: a plain decode');
});

test('a map too large to splice is refused, not mis-encoded', () => {
  const fields = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`f${i}`, i]));
  assert.throws(() => encodeWithItems(fields, 'entries', []), /fewer than 15/);
});

test.run();
