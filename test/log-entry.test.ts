// Log entries as they travel and are logged: every kind of transaction comes back as it went,
// in fewer bytes than a map; logs written as maps still read; malformed entries are refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { ServerStore } from '../storage/lmdb-store.js';
import { ZkError } from '../storage/errors.js';
import type { LogEntry, Txn } from '../storage/txn.js';
import { makeZxid } from '../storage/zxid.js';
import { decode, decodeKeepingItems, encode, encodeWithItems } from '../transport/codec.js';
import { encodeEntry, parseLogEntry } from '../transport/log-entry.js';
import { parsePeerMessage } from '../transport/messages.js';

const data = new Uint8Array([1, 2, 3, 250]);
const acl = [{ perms: 31, scheme: 'digest', id: 'bob:hash=' }, { perms: 1, scheme: 'world', id: 'anyone' }];
const TXNS: Txn[] = [
  { type: 'createSession', sessionId: 0x1234567890, timeoutMs: 30_000, secretHash: 'ab'.repeat(32) },
  { type: 'closeSession', sessionId: 0x1234567890 },
  { type: 'create', path: '/a', data, kind: 'persistent', ephemeralOwner: 0, ttlMs: 0, parentCVersion: 3 },
  { type: 'create', path: '/e', data: new Uint8Array(), kind: 'ephemeral', ephemeralOwner: 0x77, ttlMs: 0, parentCVersion: 4, acl },
  { type: 'create', path: '/t', data, kind: 'ttl', ephemeralOwner: 0, ttlMs: 5000, parentCVersion: 5 },
  { type: 'create', path: '/c', data, kind: 'container', ephemeralOwner: 0, ttlMs: 0, parentCVersion: 6 },
  { type: 'delete', path: '/a' },
  { type: 'setData', path: '/b', data, version: 9 },
  { type: 'setACL', path: '/b', acl, aversion: 2 },
  { type: 'check', path: '/b', version: -1 },
  { type: 'multi', txns: [{ type: 'check', path: '/b', version: 9 }, { type: 'setData', path: '/b', data, version: 10 }, { type: 'multi', txns: [] }] },
];
const entryOf = (txn: Txn, i = 1): LogEntry => ({ zxid: makeZxid(7, i), time: 1_795_600_800_000 + i, sessionId: 0x1234567890, txn });

test('every kind of transaction comes back as it went', () => {
  for (const txn of TXNS) {
    const e = entryOf(txn);
    assert.equal(parseLogEntry(decode(encodeEntry(e))), e, txn.type);
  }
});

test('the world:anyone ACL a create spells out comes back as the default it is', () => {
  const txn: Txn = { type: 'create', path: '/a', data, kind: 'persistent', ephemeralOwner: 0, ttlMs: 0, parentCVersion: 1, acl: [{ perms: 31, scheme: 'world', id: 'anyone' }] };
  const back = parseLogEntry(decode(encodeEntry(entryOf(txn)))).txn;
  assert.is((back as { acl?: unknown }).acl, undefined);
});

test('an entry takes less than half the bytes it took as a map', () => {
  const e = entryOf({ type: 'create', path: '/c12-3456', data: new Uint8Array(32), kind: 'persistent', ephemeralOwner: 0, ttlMs: 0, parentCVersion: 1234, acl: [{ perms: 31, scheme: 'world', id: 'anyone' }] });
  const compact = encodeEntry(e).length;
  const asMap = encode(e).length;
  assert.ok(compact * 2 < asMap, `${compact} bytes against ${asMap}`);
});

test('entries logged as maps, before the array form, still read', () => {
  for (const txn of TXNS) {
    const e = entryOf(txn);
    assert.equal(parseLogEntry(decode(encode(e))), e, txn.type);
  }
});

test('a malformed entry is refused with MARSHALLINGERROR', () => {
  const good = decode(encodeEntry(entryOf(TXNS[2]!))) as unknown[];
  const txn = good[3] as unknown[];
  const bad: unknown[] = [
    null, 'x', 7, [], good.slice(0, 3), [...good, 1],
    [0, good[1], good[2], txn], // zxid 0
    ['1', good[1], good[2], txn],
    [good[0], good[1], -1, txn],
    [good[0], good[1], good[2], [99, '/a']], // unknown txn code
    [good[0], good[1], good[2], [...txn, 'extra']],
    [good[0], good[1], good[2], [txn[0], 5, ...txn.slice(2)]], // path not a string
    [good[0], good[1], good[2], [txn[0], txn[1], 'not bytes', ...txn.slice(3)]],
    [good[0], good[1], good[2], [txn[0], txn[1], txn[2], 9, ...txn.slice(4)]], // unknown node kind
    [good[0], good[1], good[2], [...txn.slice(0, 7), [[31, 'world']]]], // ACL entry too short
    [good[0], good[1], good[2], [7, 'not a list']], // multi without its list
    { zxid: 1, time: 1, sessionId: 0, txn: { type: 5 } },
  ];
  for (const v of bad) {
    try {
      parseLogEntry(v);
      assert.unreachable(`accepted ${JSON.stringify(v)}`);
    } catch (err) {
      assert.instance(err, ZkError, JSON.stringify(v));
      assert.is((err as ZkError).code, -5, JSON.stringify(v));
    }
  }
});

test('a follower logs the bytes the leader encoded, not an encoding of its own', () => {
  const entries = TXNS.map((t, i) => entryOf(t, i + 1));
  const proposal = encodeWithItems({ type: 'proposal', epoch: 7, prevZxid: makeZxid(7, 0), committedZxid: 0 }, 'entries', entries.map(encodeEntry));
  const msg = parsePeerMessage(decodeKeepingItems(proposal, 'entries')) as { entries: LogEntry[] };
  assert.equal(msg.entries, entries);
  for (const e of msg.entries) assert.is(encodeEntry(e).buffer, proposal.buffer, `0x${e.zxid.toString(16)} is a view of the proposal`);
});

test('a log written as maps reads back, and grows in the array form', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'natszk-log-entry-'));
  try {
    const old = entryOf(TXNS[2]!, 1);
    // As a store of the map form left it: the entry's map in the 'log' database.
    const env = open({ path: dir, maxDbs: 8, encoding: 'binary' });
    await env.openDB<Uint8Array, number>({ name: 'log', encoding: 'binary' }).put(old.zxid, encode(old));
    await env.close();
    const store = await ServerStore.open(dir);
    const next = entryOf(TXNS[7]!, 2);
    await store.appendLog([next]);
    // LMDB hands out Buffers: compare the bytes.
    const read = store.readLog(0, next.zxid, 10).map((e) => ({ ...e, txn: { ...e.txn, data: Uint8Array.from((e.txn as { data: Uint8Array }).data) } }));
    assert.equal(read, [old, next]);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
