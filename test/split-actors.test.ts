// A voting server whose election, proposer and follower-sync actors each run in a process of
// their own on one LMDB environment: each can be killed and restarted alone, and resumes
// from what is on disk while the ensemble goes on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServerStatus } from '../transport/messages.js';
import { Cluster, createRetrying } from './harness/processes.js';

const SPLIT = 3;

/** Waits until the split server follows or leads with the leader's whole committed tree; returns both. */
async function inStep(cluster: Cluster): Promise<{ leader: ServerStatus; split: ServerStatus }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const all = await cluster.statuses();
    const leader = all.find((s) => s.role === 'leader');
    const split = all.find((s) => s.serverId === SPLIT);
    if (leader && split && split.role !== 'looking' && split.lastCommittedZxid === leader.lastCommittedZxid && split.nodeCount === leader.nodeCount) return { leader, split };
    if (Date.now() > deadline) throw new Error(`server ${SPLIT} did not catch up: ${JSON.stringify(all)}\n${cluster.logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a split server: killing its active role actor, then its election actor, each restarted alone', async () => {
  const cluster = await Cluster.start({ servers: 3, split: [SPLIT] });
  try {
    const zk = await cluster.client({ sessionless: true, requestTimeout: 3000 });
    await zk.create('/s');
    for (let i = 0; i < 30; i++) await zk.create(`/s/a${i}`);
    await inStep(cluster);

    // The role it runs now (it may well lead: with equal logs the highest id wins).
    const role = (await cluster.statuses()).find((s) => s.serverId === SPLIT)!.role;
    const actor = role === 'leader' ? 'proposer' : 'follower';
    await cluster.restartActor(SPLIT, actor);
    for (let i = 0; i < 30; i++) await createRetrying(zk, `/s/b${i}`);
    await inStep(cluster);
    const restarted = cluster.actors.get(SPLIT)![actor].output;
    if (actor === 'proposer') {
      // The new process does not take over a leadership it did not start: a new election runs.
      assert.match(cluster.actors.get(SPLIT)!.election.output, /looking for a leader \((the proposer actor restarted|the proposer actor is alive)/);
    }
    assert.match(restarted, /serving \(the (proposer|follower) actor/);

    await cluster.restartActor(SPLIT, 'election');
    for (let i = 0; i < 30; i++) await createRetrying(zk, `/s/c${i}`);

    // Every write is on the split server: the actor now running its role answers from its tree.
    const { leader, split } = await inStep(cluster);
    assert.is((await zk.getChildren('/s')).length, 90);
    assert.is(split.nodeCount, leader.nodeCount);
    await zk.close();
  } finally {
    await cluster.stop();
  }
});

test('a split server through a role change (its proposer restarted, or the other leader restarted) ends in step with the ensemble', async () => {
  const cluster = await Cluster.start({ servers: 3, split: [SPLIT] });
  try {
    const zk = await cluster.client({ sessionless: true, requestTimeout: 3000 });
    for (let i = 0; i < 10; i++) await zk.create(`/f${i}`);
    await inStep(cluster);
    // Force the split server through a role change by restarting the other two servers' leader.
    const leader = await cluster.leader();
    if (leader === SPLIT) await cluster.restartActor(SPLIT, 'proposer');
    else await cluster.restartServer(leader);
    for (let i = 10; i < 20; i++) await createRetrying(zk, `/f${i}`);
    // Every server, the split one through whichever of its actors now runs its role, at one commit point.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const all = await cluster.statuses();
      if (all.length === 3 && new Set(all.map((s) => s.lastCommittedZxid)).size === 1) break;
      assert.ok(Date.now() < deadline, `every server at one committed zxid: ${JSON.stringify(all)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await zk.close();
  } finally {
    await cluster.stop();
  }
});

test.run();
