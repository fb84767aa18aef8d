// Container and TTL nodes against real processes: the leader removes a container once its
// last child goes (never one that had no child) and a TTL node once it is childless and
// unchanged past its TTL; watchers hear it as a normal deletion.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CreateMode, type WatchEvent } from '../client/index.js';
import { Cluster } from './harness/processes.js';
import { until } from './harness/wait.js';

test('containers and TTL nodes are removed by the leader, and only when due', async () => {
  const cluster = await Cluster.start({ servers: 3, sessions: 1, tick: 250, serverArgs: ['--container-check', '200'] });
  const zk = await cluster.client();
  try {
    await zk.create('/lock', '', { mode: CreateMode.CONTAINER });
    await zk.create('/unused', '', { mode: CreateMode.CONTAINER });
    await zk.create('/lock/holder');
    const events: WatchEvent[] = [];
    await zk.exists('/lock', { watch: (e) => events.push(e) });
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(await zk.exists('/lock'), 'a container with a child stays');
    await zk.delete('/lock/holder');
    await until('the emptied container gone', async () => (await zk.exists('/lock')) === null, 10_000);
    await until('its watcher told', () => events.length > 0, 10_000);
    assert.equal(events.map((e) => `${e.type} ${e.path}`), ['NodeDeleted /lock']);
    assert.ok(await zk.exists('/unused'), 'a container that never had a child stays');

    const t0 = Date.now();
    await zk.create('/short', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 800 });
    await zk.create('/kept', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 1500 });
    await new Promise((r) => setTimeout(r, 900));
    await zk.setData('/kept', 'touched');
    const touchedAt = Date.now();
    await until('the TTL node gone', async () => (await zk.exists('/short')) === null, 10_000);
    assert.ok(Date.now() - t0 >= 800, 'not before its TTL');
    assert.ok(await zk.exists('/kept'), 'a changed TTL node lives on');
    await until('the changed TTL node gone once its TTL passed after the change', async () => (await zk.exists('/kept')) === null, 10_000);
    assert.ok(Date.now() - touchedAt >= 1500, 'its TTL counts from the change');
  } finally {
    await zk.close();
    await cluster.stop();
  }
});

test.run();
