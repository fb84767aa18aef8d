import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decode, encode, encodeOnce, encodeWithItems } from '../transport/codec.js';

const entry = (i: number) => ({ zxid: 2 ** 32 + i, time: 1795600800000 + i, sessionId: 0, txn: { type: 'setData', path: `/k${i}`, data: new Uint8Array(i % 300).fill(i & 0xff), version: i } });

test('a message spliced from encoded entries is byte for byte what encode makes of it', () => {
  for (const n of [0, 1, 15, 16, 300, 65_535, 65_536]) {
    const items = Array.from({ length: n }, (_, i) => entry(i));
    const fields = { type: 'proposal', epoch: 7, prevZxid: 2 ** 32 };
    const spliced = encodeWithItems(fields, 'entries', items);
    assert.equal(Buffer.from(spliced), Buffer.from(encode({ ...fields, entries: items })), `${n} entries`);
    assert.equal(decode(spliced), { ...fields, entries: items });
  }
});

test('fields left undefined are left out, as encode leaves them', () => {
  const spliced = encodeWithItems({ a: 1, b: undefined }, 'entries', [entry(1)]);
  assert.equal(decode(spliced), { a: 1, entries: [entry(1)] });
});

test('an entry is encoded once, and its bytes are those of encode', () => {
  const e = entry(3);
  const first = encodeOnce(e);
  assert.is(encodeOnce(e), first);
  assert.equal(Buffer.from(first), Buffer.from(encode(e)));
});

test('a map too large to splice is refused, not mis-encoded', () => {
  const fields = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`f${i}`, i]));
  assert.throws(() => encodeWithItems(fields, 'entries', []), /fewer than 15/);
});

test.run();
