// Watches as a ZooKeeper user relies on them, against real processes: one-shot data, exists
// and child watches fire once; persistent and persistent-recursive ones keep firing;
// removeWatches; an event reaches the client before any reply that shows its change; and a
// session's reads see its own writes, with writers on two session actors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CreateMode, ZkError, type Client, type WatchEvent } from '../client/index.js';
import { Cluster } from './harness/processes.js';
import { until } from './harness/wait.js';

let cluster: Cluster;

test.before(async () => {
  cluster = await Cluster.start({ servers: 3, sessions: 2, tick: 250 });
});

test.after(async () => {
  await cluster?.stop();
});

test('one-shot data, exists and child watches fire once, with type, path and zxid', async () => {
  const zk = await cluster.client();
  const writer = await cluster.client();
  const seen: WatchEvent[] = [];
  const record = (e: WatchEvent) => seen.push(e);
  await writer.create('/w1', 'a');
  await zk.getData('/w1', { watch: record });
  await zk.exists('/w1-absent', { watch: record });
  await zk.getChildren('/w1', { watch: record });
  const stat = await writer.setData('/w1', 'b');
  await writer.setData('/w1', 'c');
  await writer.create('/w1-absent');
  await writer.create('/w1/child');
  await writer.create('/w1/child2');
  await zk.sync();
  await until('three events', () => seen.length >= 3, 5000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(seen.map((e) => `${e.type} ${e.path}`), ['NodeDataChanged /w1', 'NodeCreated /w1-absent', 'NodeChildrenChanged /w1']);
  assert.is(seen[0]!.zxid, stat.mzxid, 'the data event carries the zxid of the change');
  await zk.close();
  await writer.close();
});

test('an exists watch on a node that exists fires on its deletion; getData on a missing node leaves no watch', async () => {
  const zk = await cluster.client();
  const seen: string[] = [];
  await zk.create('/w2');
  await zk.exists('/w2', { watch: (e) => seen.push(e.type) });
  try {
    await zk.getData('/w2-missing', { watch: (e) => seen.push(`missing ${e.type}`) });
    assert.unreachable('getData of a missing node fails');
  } catch (err) {
    assert.is((err as ZkError).codeName, 'NONODE');
  }
  await zk.delete('/w2');
  await zk.create('/w2-missing');
  await zk.sync();
  await until('the delete event', () => seen.length >= 1, 5000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(seen, ['NodeDeleted']);
  await zk.close();
});

test('persistent and persistent-recursive watches keep firing until removed', async () => {
  const zk = await cluster.client();
  const writer = await cluster.client();
  const persistent: string[] = [];
  const recursive: string[] = [];
  await writer.create('/p');
  await zk.addWatch('/p', (e) => persistent.push(`${e.type} ${e.path}`), 'persistent');
  await zk.addWatch('/p', (e) => recursive.push(`${e.type} ${e.path}`), 'persistentRecursive');
  await writer.setData('/p', '1');
  await writer.setData('/p', '2');
  await writer.create('/p/a');
  await writer.create('/p/a/b');
  await writer.setData('/p/a/b', 'x');
  await until('recursive events', () => recursive.length >= 5, 5000);
  assert.equal(persistent, ['NodeDataChanged /p', 'NodeDataChanged /p', 'NodeChildrenChanged /p']);
  assert.equal(recursive, ['NodeDataChanged /p', 'NodeDataChanged /p', 'NodeCreated /p/a', 'NodeCreated /p/a/b', 'NodeDataChanged /p/a/b']);
  await zk.removeWatches('/p', 'any');
  await writer.setData('/p', '3');
  await zk.sync();
  await new Promise((r) => setTimeout(r, 200));
  assert.is(persistent.length, 3, 'no event after removeWatches');
  try {
    await zk.removeWatches('/p', 'any');
    assert.unreachable('removing what is not there fails');
  } catch (err) {
    assert.is((err as ZkError).codeName, 'NOWATCHER');
  }
  await zk.close();
  await writer.close();
});

test('watches need a session: a sessionless watch is refused', async () => {
  const zk = await cluster.client({ sessionless: true });
  try {
    await zk.getData('/', { watch: () => {} });
    assert.unreachable();
  } catch (err) {
    assert.is((err as ZkError).codeName, 'BADARGUMENTS');
  }
  await zk.close();
});

test('with concurrent writers on two actors, events come in zxid order and before any reply that shows them; each session reads its own writes', async () => {
  const admin = await cluster.client({ sessionless: true });
  await admin.create('/shared', '0');
  await admin.close();
  const writers: Client[] = [];
  // Clients land on both actors: NATS spreads session opens over the queue group.
  while (writers.length < 6 || (new Set(writers.map((w) => w.actor)).size < 2 && writers.length < 30)) writers.push(await cluster.client());
  assert.is(new Set(writers.map((w) => w.actor)).size, 2, 'writers on both session actors');
  const watcher = await cluster.client();
  const events: number[] = [];
  await watcher.addWatch('/shared', (e) => { if (e.type === 'NodeDataChanged') events.push(e.zxid); });
  let violations = 0;
  const readerDone = (async () => {
    for (let i = 0; i < 100; i++) {
      const { stat } = await watcher.getData('/shared');
      // The change this reply shows was announced first (unless it predates the watch).
      if (events.length > 0 && stat.mzxid > events[0]! && !events.includes(stat.mzxid)) violations++;
    }
  })();
  let writes = 0;
  await Promise.all(writers.map(async (w, n) => {
    for (let i = 0; i < 25; i++) {
      const stat = await w.setData('/shared', `${n}:${i}`);
      writes++;
      const { stat: after } = await w.getData('/shared');
      assert.ok(after.mzxid >= stat.mzxid, 'a read after a write sees that write or later');
    }
  }));
  await readerDone;
  await watcher.sync();
  await until('every change announced', () => events.length >= writes, 5000);
  assert.is(events.length, writes, 'each change announced once');
  assert.ok(events.every((z, i) => i === 0 || z > events[i - 1]!), 'events in zxid order');
  assert.is(violations, 0, 'no reply showed a change before its event');
  await watcher.close();
  for (const w of writers) await w.close();
});

test('an ephemeral node is told to its watchers when its session closes', async () => {
  const owner = await cluster.client();
  const zk = await cluster.client();
  await owner.create('/eph-w', '', { mode: CreateMode.EPHEMERAL });
  const seen: string[] = [];
  await zk.exists('/eph-w', { watch: (e) => seen.push(e.type) });
  await owner.close();
  await until('the deletion event', () => seen.length > 0, 5000);
  assert.equal(seen, ['NodeDeleted']);
  await zk.close();
});

test.run();
