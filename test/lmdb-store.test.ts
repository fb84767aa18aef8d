// The LMDB layout of a voting server, with real LMDB files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerStore } from '../storage/lmdb-store.js';
import type { LogEntry } from '../storage/txn.js';
import { makeZxid } from '../storage/zxid.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'natszk-lmdb-'));
  dirs.push(d);
  return d;
}
test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const entry = (zxid: number): LogEntry => ({ zxid, time: 1, sessionId: 0, txn: { type: 'delete', path: `/x${zxid}` } });

test('the log keeps zxid order across epochs, above 2^32, and survives reopening', async () => {
  const dir = tempDir();
  let store = await ServerStore.open(dir);
  const zxids = [makeZxid(1, 1), makeZxid(1, 2), makeZxid(4, 2 ** 32 - 2), makeZxid(5, 7), makeZxid(300, 1)];
  for (const z of zxids) await store.appendLog([entry(z)]);
  await store.setAcceptedEpoch(300);
  await store.setCurrentEpoch(299);
  await store.close();
  store = await ServerStore.open(dir);
  assert.equal(store.readLog(0, Number.MAX_SAFE_INTEGER, 100).map((e) => e.zxid), zxids);
  assert.equal(store.readLog(makeZxid(1, 2), Number.MAX_SAFE_INTEGER, 2).map((e) => e.zxid), zxids.slice(2, 4));
  assert.equal(store.readLog(makeZxid(1, 1), makeZxid(5, 7), 100).map((e) => e.zxid), zxids.slice(1, 4), 'stops at the upper bound');
  assert.equal(store.readLog(makeZxid(5, 7), makeZxid(5, 7), 100), [], 'an empty range');
  assert.is(store.lastLoggedZxid(), makeZxid(300, 1));
  assert.is(store.firstLoggedZxid(), makeZxid(1, 1));
  assert.is(store.acceptedEpoch, 300);
  assert.is(store.currentEpoch, 299);
  await store.close();
});

test('appendLog refuses entries that do not extend the log', async () => {
  const store = await ServerStore.open(tempDir());
  await store.appendLog([entry(10), entry(11)]);
  assert.throws(() => store.appendLog([entry(11)]), /out of order/);
  assert.throws(() => store.appendLog([entry(13), entry(12)]), /out of order/);
  await store.close();
});

test('truncateLogAfter drops an uncommitted suffix and refuses to cut committed history', async () => {
  const dir = tempDir();
  let store = await ServerStore.open(dir);
  await store.appendLog([1, 2, 3, 4, 5].map(entry));
  store.noteCommitted(3);
  let refused = false;
  await store.truncateLogAfter(2).catch(() => (refused = true));
  assert.ok(refused, 'cutting below the commit point is refused');
  await store.truncateLogAfter(3);
  assert.equal(store.readLog(0, Number.MAX_SAFE_INTEGER, 10).map((e) => e.zxid), [1, 2, 3]);
  assert.is(store.lastLoggedZxid(), 3);
  await store.appendLog([entry(4)]);
  await store.close();
  store = await ServerStore.open(dir);
  assert.is(store.lastCommittedZxid, 3, 'the commit point rode along with the append');
  assert.equal(store.readLog(0, Number.MAX_SAFE_INTEGER, 10).map((e) => e.zxid), [1, 2, 3, 4]);
  await store.close();
});

test('snapshots: chunks round-trip; the newest K are kept and the log up to the oldest kept is purged', async () => {
  const dir = tempDir();
  let store = await ServerStore.open(dir, { keepSnapshots: 2 });
  await store.appendLog(Array.from({ length: 30 }, (_, i) => entry(i + 1)));
  const chunksAt = (z: number) => [0, 1, 2].map((i) => new Uint8Array([z, i, 42]));
  for (const z of [10, 20, 25]) await store.writeSnapshot(z, chunksAt(z));
  assert.equal(store.listSnapshots().map((s) => s.zxid), [20, 25]);
  const plain = (c: Uint8Array | undefined) => (c ? [...c] : c);
  assert.equal([...store.readSnapshotChunks(25)].map(plain), chunksAt(25).map(plain));
  assert.equal(plain(store.readSnapshotChunk(20, 1)), [20, 1, 42]);
  assert.is(store.readSnapshotChunk(10, 0), undefined, 'chunks of a dropped snapshot are gone');
  assert.is(store.firstLoggedZxid(), 21);
  assert.not.ok(store.hasLogAfter(19));
  assert.ok(store.hasLogAfter(20));
  await store.close();
  store = await ServerStore.open(dir, { keepSnapshots: 2 });
  assert.equal(store.latestSnapshot()?.zxid, 25);
  assert.is(store.latestSnapshot()?.chunks, 3);
  await store.close();
});

test('a snapshot whose write was interrupted is invisible after reopening', async () => {
  const dir = tempDir();
  let store = await ServerStore.open(dir);
  await store.writeSnapshot(5, [new Uint8Array([1])]);
  function* failing() {
    yield new Uint8Array([9]);
    throw new Error('crash mid-snapshot');
  }
  let failed = false;
  await store.writeSnapshot(9, failing()).catch(() => (failed = true));
  assert.ok(failed);
  assert.equal(store.listSnapshots().map((s) => s.zxid), [5]);
  await store.close();
  store = await ServerStore.open(dir);
  assert.equal(store.listSnapshots().map((s) => s.zxid), [5]);
  await store.claim('the next writer');
  assert.is(store.readSnapshotChunk(9, 0), undefined, 'the orphan chunk was cleaned up by the next writer');
  await store.close();
});

test('two handles on one environment (split actors): the last to claim writes, the other is refused and changes nothing', async () => {
  const dir = tempDir();
  const follower = await ServerStore.open(dir);
  const proposer = await ServerStore.open(dir);
  await follower.claim('follower');
  await follower.appendLog([1, 2].map(entry));
  await follower.setCurrentEpoch(1);
  await proposer.claim('proposer');
  assert.is(proposer.lastLoggedZxid(), 2, 'the claim re-reads what the other process logged');
  let refused = '';
  await follower.appendLog([entry(3)]).catch((err: Error) => (refused = err.message));
  assert.match(refused, /proposer took over/);
  await follower.setCurrentEpoch(7).catch(() => {});
  await proposer.appendLog([entry(3)]);
  assert.is(proposer.currentEpoch, 1);
  assert.equal(proposer.readLog(0, Number.MAX_SAFE_INTEGER, 10).map((e) => e.zxid), [1, 2, 3]);
  follower.reload();
  assert.is(follower.lastLoggedZxid(), 3, 'reload sees the other process\'s appends');
  await follower.close();
  await proposer.close();
});

test('installSnapshot replaces the log and moves the commit point', async () => {
  const store = await ServerStore.open(tempDir());
  await store.appendLog([1, 2, 3].map(entry));
  await store.installSnapshot(makeZxid(2, 9), [new Uint8Array([7])]);
  assert.equal(store.readLog(0, Number.MAX_SAFE_INTEGER, 10), []);
  assert.is(store.lastLoggedZxid(), makeZxid(2, 9));
  assert.is(store.lastCommittedZxid, makeZxid(2, 9));
  assert.ok(store.hasLogAfter(makeZxid(2, 9)));
  assert.not.ok(store.hasLogAfter(2));
  await store.close();
});

test('kill -9 of a writer loses no append it was told was durable', async () => {
  const dir = tempDir();
  const writer = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/lmdb-writer.js');
  const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: number[] = [];
  let buffered = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const l of lines) acked.push(Number(l));
      if (acked.length >= 300 && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  const store = await ServerStore.open(dir);
  const present = new Set(store.readLog(0, Number.MAX_SAFE_INTEGER, 1_000_000).map((e) => e.zxid));
  for (const z of acked) assert.ok(present.has(z), `acknowledged 0x${z.toString(16)} survived`);
  assert.ok(acked.length >= 300);
  await store.close();
});

test.run();
