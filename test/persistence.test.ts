// Durability: every acknowledged write survives kill -9 and restart; versions and zxids
// continue; snapshots are taken, old ones and the log before them purged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { epochOf } from '../storage/zxid.js';
import { ServerStore } from '../storage/lmdb-store.js';
import { Cluster } from './harness/processes.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

test('kill -9 of the server loses no acknowledged write; versions and zxids continue', async () => {
  const cluster = await Cluster.start();
  try {
    const zk = await cluster.client({ sessionless: true, requestTimeout: 2000 });
    await zk.create('/d');
    // Concurrent writes in flight while the server dies: the acknowledged ones must survive.
    const acked: string[] = [];
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; ; i++) {
        try {
          await zk.create(`/d/w${w}-${i}`, `v${i}`);
          acked.push(`w${w}-${i}`);
        } catch {
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 700));
    await cluster.servers[0]!.kill('SIGKILL');
    await Promise.all(writers);
    assert.ok(acked.length > 20, `some writes were acknowledged before the kill (${acked.length})`);
    const lastBefore = (await zk.exists('/d'))!;
    await zk.close();

    cluster.servers[0] = cluster.spawnServer(1);
    await cluster.waitServing();
    const zk2 = await cluster.client();
    const children = new Set(await zk2.getChildren('/d'));
    for (const name of acked) assert.ok(children.has(name), `acknowledged ${name} is there after restart`);
    for (const name of acked.slice(0, 20)) assert.is(text((await zk2.getData(`/d/${name}`)).data), `v${name.split('-')[1]}`);

    const s = await zk2.setData('/d', 'after', 0);
    assert.is(s.version, 1, 'version continues from before the crash');
    assert.ok(s.mzxid > lastBefore.pzxid, 'zxids keep growing');
    assert.ok(epochOf(s.mzxid) > epochOf(lastBefore.czxid), 'a restart starts a new epoch');
    await zk2.close();
  } finally {
    await cluster.stop();
  }
});

test('snapshots every N transactions, purge to the newest K, restart from snapshot + log', async () => {
  const cluster = await Cluster.start({ serverArgs: ['--snapshot-every', '50', '--keep-snapshots', '2'] });
  const dataDir = path.join(cluster.dir, 'server-1');
  try {
    const zk = await cluster.client({ sessionless: true });
    await zk.create('/s', '');
    for (let i = 0; i < 260; i++) await zk.create(`/s/n${i}`, String(i));
    for (let i = 0; i < 10; i++) await zk.setData('/s/n0', `x${i}`);
    await zk.close();
    await new Promise((r) => setTimeout(r, 300));
    await cluster.servers[0]!.kill('SIGKILL');

    const store = await ServerStore.open(dataDir, { keepSnapshots: 2 });
    const snaps = store.listSnapshots();
    assert.is(snaps.length, 2, 'only the newest 2 snapshots are kept');
    assert.ok(snaps[0]!.zxid > 0);
    assert.ok(store.firstLoggedZxid() > snaps[0]!.zxid, 'the log up to the oldest kept snapshot was purged');
    assert.not.ok(store.hasLogAfter(0));
    await store.close();

    cluster.servers[0] = cluster.spawnServer(1);
    await cluster.waitServing();
    assert.match(cluster.servers[0].output, /loaded snapshot/);
    const zk2 = await cluster.client({ sessionless: true });
    assert.is((await zk2.getChildren('/s')).length, 260);
    const n0 = await zk2.getData('/s/n0');
    assert.is(text(n0.data), 'x9');
    assert.is(n0.stat.version, 10);
    await zk2.close();
  } finally {
    await cluster.stop();
  }
});

test.run();
