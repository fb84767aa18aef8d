// Zab across three voting server processes on a real nats-server: failover, catch-up by
// DIFF and by SNAP, truncation of an uncommitted suffix, and every acknowledged write on
// every server at the end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { ServerStore } from '../storage/lmdb-store.js';
import { restoreTree } from '../actors/server/restore.js';
import { connect as natsConnect } from 'nats';
import { Subjects } from '../transport/subjects.js';
import { Cluster, createRetrying } from './harness/processes.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/** Every server's committed tree, from its LMDB files, once all are stopped. */
async function digests(cluster: Cluster): Promise<string[]> {
  const out: string[] = [];
  for (let id = 1; id <= cluster.servers.length; id++) {
    const store = await ServerStore.open(path.join(cluster.dir, `server-${id}`));
    out.push(restoreTree(store, store.lastLoggedZxid(), () => {}).digest());
    await store.close();
  }
  return out;
}

test('writes go on after kill -9 of the leader; the old leader rejoins by DIFF; all servers agree', async () => {
  const cluster = await Cluster.start({ servers: 3 });
  try {
    const zk = await cluster.client({ sessionless: true, requestTimeout: 3000 });
    await zk.create('/r');
    for (let i = 0; i < 50; i++) await zk.create(`/r/a${i}`, `${i}`);
    const leader = await cluster.leader();
    await cluster.servers[leader - 1]!.kill('SIGKILL');
    const killedAt = Date.now();
    await createRetrying(zk, '/r/after-failover', 'x');
    const failoverMs = Date.now() - killedAt;
    const next = await cluster.leader();
    assert.is.not(next, leader);
    for (let i = 0; i < 50; i++) await zk.create(`/r/b${i}`, `${i}`);

    cluster.servers[leader - 1] = cluster.spawnServer(leader);
    const deadline = Date.now() + 15_000;
    while (!/sync of server \d+ from .*: diff/.test(cluster.servers[next - 1]!.output.split('leading epoch').pop()!) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(cluster.servers[next - 1]!.output, new RegExp(`sync of server ${leader} from 0x[0-9a-f]+: diff`));
    for (let i = 0; i < 10; i++) await zk.create(`/r/c${i}`, `${i}`);
    assert.is((await zk.getChildren('/r')).length, 111);
    await cluster.caughtUp(leader, (await zk.exists('/r/c9'))!.czxid);
    const status = await cluster.statuses();
    assert.equal(status.map((s) => s.role).sort(), ['follower', 'follower', 'leader']);
    for (const s of status) assert.is(s.leader, next, `server ${s.serverId} names the leader`);
    const leaderStatus = status.find((s) => s.role === 'leader')!;
    assert.equal(Object.keys(leaderStatus.followers ?? {}).sort(), [1, 2, 3].filter((id) => id !== next).map(String));
    await zk.close();
    await new Promise((r) => setTimeout(r, 500));
    for (const p of cluster.servers) await p.stop();
    const all = await digests(cluster);
    assert.is(new Set(all).size, 1, 'every server holds the same tree');
    console.log(`    failover (kill -9 to first successful write): ${failoverMs} ms`);
  } finally {
    await cluster.stop();
  }
});

test('when writes stop, the followers hear the last commit at once, not at the next ping', async () => {
  // Pings (which carry the commit point too) every 3 s: only the commit a leader sends once
  // nothing is left in flight brings it within 600 ms, four times running (a ping may fall in
  // one such window, hardly in all four).
  const cluster = await Cluster.start({ servers: 3, serverArgs: ['--peer-tick', '3000'] });
  try {
    // A server may still be joining when a quorum has elected: wait for all three.
    const statuses = await cluster.settled();
    const followers = statuses.filter((s) => s.role === 'follower').map((s) => s.serverId);
    const zk = await cluster.client({ sessionless: true });
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5; i++) await zk.create(`/quiet${round}-${i}`);
      const last = (await zk.exists(`/quiet${round}-4`))!.czxid;
      await Promise.all(followers.map((id) => cluster.caughtUp(id, last, 600)));
    }
    await zk.close();
  } finally {
    await cluster.stop();
  }
});

test('followers ask NATS after their leader four times a peer tick while writes flow, once a tick when idle, where idle it costs no message of its own', async () => {
  const cluster = await Cluster.start({ servers: 3, serverArgs: ['--peer-tick', '200'] });
  const tap = await natsConnect({ servers: cluster.url });
  try {
    await cluster.settled();
    const leader = await cluster.leader();
    // A probe is a request on the leader's own subject: NATS refuses it once the leader's process is gone.
    const seen = { probes: 0, messages: 0 };
    tap.subscribe(new Subjects(cluster.ensemble).peerServer(leader), { callback: (_err, m) => { seen.messages++; if (m.reply) seen.probes++; } });
    await tap.flush();
    const perFollowerPerTick = async (during: () => Promise<void>) => {
      const [before, started] = [{ ...seen }, Date.now()];
      await during();
      const ticks = 2 * ((Date.now() - started) / 200);
      return { probes: (seen.probes - before.probes) / ticks, messages: (seen.messages - before.messages) / ticks };
    };
    // Idle: no proposal for 10 ticks (2 s) first.
    await new Promise((r) => setTimeout(r, 2500));
    const idle = await perFollowerPerTick(() => new Promise((r) => setTimeout(r, 2000)));
    const zk = await cluster.client({ sessionless: true });
    let i = 0;
    const busy = await perFollowerPerTick(async () => {
      const until = Date.now() + 2000;
      while (Date.now() < until) await zk.create(`/busy${i++}`);
    });
    await zk.close();
    assert.ok(idle.probes >= 0.5 && idle.probes <= 1.25, `idle: ${idle.probes.toFixed(2)} probes per follower per tick`);
    // The answer to the leader's ping, once a tick, is the probe: not a message more.
    assert.ok(idle.messages <= 1.25, `idle: ${idle.messages.toFixed(2)} messages per follower per tick to the leader`);
    assert.ok(busy.probes >= 2.5, `while ${i} writes ran: ${busy.probes.toFixed(2)} probes per follower per tick`);
  } finally {
    await tap.close();
    await cluster.stop();
  }
});

test('a follower whose gap was purged from the leader\'s log catches up by SNAP', async () => {
  const cluster = await Cluster.start({ servers: 3, serverArgs: ['--snapshot-every', '20', '--keep-snapshots', '1'] });
  try {
    const zk = await cluster.client({ sessionless: true, requestTimeout: 3000 });
    const leader = await cluster.leader();
    const follower = leader === 1 ? 2 : 1;
    await cluster.servers[follower - 1]!.kill('SIGKILL');
    await zk.create('/s');
    for (let i = 0; i < 120; i++) await zk.create(`/s/n${i}`, `${i}`);
    cluster.servers[follower - 1] = cluster.spawnServer(follower);
    const deadline = Date.now() + 15_000;
    while (!new RegExp(`sync of server ${follower} from .*: snap`).test(cluster.servers[leader - 1]!.output) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(cluster.servers[leader - 1]!.output, new RegExp(`sync of server ${follower} from 0x[0-9a-f]+: snap`));
    // The other follower goes away: the caught-up one is now needed for every commit.
    const other = [1, 2, 3].find((id) => id !== leader && id !== follower)!;
    await cluster.servers[other - 1]!.kill('SIGKILL');
    await zk.setData('/s/n0', 'needs the snapped follower');
    assert.is(text((await zk.getData('/s/n0')).data), 'needs the snapped follower');
    await zk.close();
    for (const p of cluster.servers) await p.stop();
    const [d1, d2, d3] = await digests(cluster);
    const byId = { 1: d1, 2: d2, 3: d3 } as Record<number, string>;
    assert.is(byId[follower], byId[leader], 'the snapped follower holds the leader\'s tree');
  } finally {
    await cluster.stop();
  }
});

test('each server snapshots after N/2 to N transactions, at its own points, so the servers do not stall together', async () => {
  const cluster = await Cluster.start({ servers: 3, serverArgs: ['--snapshot-every', '20', '--keep-snapshots', '50'] });
  try {
    const zk = await cluster.client({ sessionless: true, requestTimeout: 3000 });
    await zk.create('/p');
    for (let i = 0; i < 200; i++) await zk.create(`/p/n${i}`, `${i}`);
    await zk.close();
    for (const p of cluster.servers) await p.stop();
    const points: string[] = [];
    for (let id = 1; id <= 3; id++) {
      const store = await ServerStore.open(path.join(cluster.dir, `server-${id}`));
      // One epoch throughout: the low 32 bits of a zxid count its transactions.
      const counters = store.listSnapshots().map((s) => s.zxid % 2 ** 32);
      await store.close();
      assert.ok(counters.length >= 10, `server ${id} took ${counters.length} snapshots in 200 writes`);
      for (let i = 1; i < counters.length; i++) {
        const gap = counters[i]! - counters[i - 1]!;
        // A commit of several entries at once may carry a server a little past its point.
        assert.ok(gap >= 10 && gap <= 24, `server ${id}: ${gap} transactions between snapshots ${counters.join(', ')}`);
      }
      points.push(counters.join(','));
    }
    assert.ok(new Set(points).size > 1, `all three servers snapshotted at the same points: ${points[0]}`);
  } finally {
    await cluster.stop();
  }
});

test('a leader\'s uncommitted proposal is truncated when it comes back', async () => {
  const cluster = await Cluster.start({ servers: 3 });
  try {
    const zk = await cluster.client({ sessionless: true, requestTimeout: 1500 });
    await zk.create('/t', 'committed');
    const leader = await cluster.leader();
    const followers = [1, 2, 3].filter((id) => id !== leader);
    // The followers die: the leader logs a proposal nobody else has, then dies too.
    for (const f of followers) await cluster.servers[f - 1]!.kill('SIGKILL');
    await zk.setData('/t', 'never committed').catch(() => undefined);
    await cluster.servers[leader - 1]!.kill('SIGKILL');
    for (const f of followers) cluster.servers[f - 1] = cluster.spawnServer(f);
    await createRetrying(zk, '/t/after', 'x');
    assert.is(text((await zk.getData('/t')).data), 'committed', 'the unacknowledged write did not happen');
    cluster.servers[leader - 1] = cluster.spawnServer(leader);
    const next = await cluster.leader();
    const deadline = Date.now() + 15_000;
    while (!/truncating the uncommitted log/.test(cluster.servers[leader - 1]!.output) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(cluster.servers[leader - 1]!.output, /truncating the uncommitted log/);
    assert.match(cluster.servers[next - 1]!.output, new RegExp(`sync of server ${leader} from 0x[0-9a-f]+: trunc`));
    await zk.create('/t/later', 'y');
    await zk.close();
    await new Promise((r) => setTimeout(r, 500));
    for (const p of cluster.servers) await p.stop();
    assert.is(new Set(await digests(cluster)).size, 1, 'every server holds the same tree');
  } finally {
    await cluster.stop();
  }
});

test.run();
