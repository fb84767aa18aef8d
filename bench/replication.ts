// Replication figures for a 3-server ensemble, fsync on: write throughput at concurrency 1
// and 64, failover (kill -9 of the leader to the first successful write, N times), and the
// catch-up time of a server 100,000 transactions behind, by DIFF and by SNAP.
// Run: npm run bench:replication   (options: --seconds S --kills N --behind T)

import { parseArgs } from 'node:util';
import type { Client } from '../client/index.js';
import { Cluster, createRetrying } from '../test/harness/processes.js';
import { drive, median, progress } from './load.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, kills: { type: 'string' }, behind: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 10);
const KILLS = Number(values.kills ?? 10);
const BEHIND = Number(values.behind ?? 100_000);

/** Puts `count` transactions in the log as fast as 64 writers can. */
async function writeMany(zk: Client, prefix: string, count: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < count) {
      const i = next++;
      await zk.create(`${prefix}${i}`, 'y'.repeat(32));
      if (i % 20_000 === 0) progress(`  ${i}/${count}`);
    }
  }));
}

async function catchUp(kind: 'diff' | 'snap', serverArgs: string[]): Promise<string> {
  const cluster = await Cluster.start({ servers: 3, tick: 2000, serverArgs });
  try {
    const zk = await cluster.client({ sessionless: true });
    const leader = await cluster.leader();
    const follower = leader === 1 ? 2 : 1;
    await cluster.servers[follower - 1]!.kill('SIGKILL');
    await zk.create('/behind');
    progress(`${kind}: writing ${BEHIND} transactions while server ${follower} is down`);
    await writeMany(zk, '/behind/n', BEHIND);
    const target = (await cluster.statuses()).find((s) => s.serverId === leader)!.lastCommittedZxid;
    const t0 = Date.now();
    cluster.servers[follower - 1] = cluster.spawnServer(follower);
    await cluster.caughtUp(follower, target, 300_000);
    const ms = Date.now() - t0;
    const how = cluster.servers[leader - 1]!.output.match(new RegExp(`sync of server ${follower} from .*`, 'g'))?.pop() ?? '?';
    await zk.close();
    return `| catch-up ${BEHIND} txns behind (${kind}) | - | - | ${ms} ms | ${how} |`;
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const cluster = await Cluster.start({ servers: 3, tick: 2000 });
  try {
    const zk = await cluster.client();
    await zk.create('/bench');
    for (const c of [1, 64]) {
      await zk.create(`/bench/c${c}`);
      rows.push(await drive('create (3 servers)', c, SECONDS, (w, i) => zk.create(`/bench/c${c}/w${w}-${i}`, 'x'.repeat(64))));
    }
    rows.push(await drive('setData (3 servers)', 64, SECONDS, (w) => zk.setData('/bench/c1', `v${w}`)));
    await zk.close();

    const failovers: number[] = [];
    const writer = await cluster.client({ sessionless: true, requestTimeout: 2000 });
    for (let k = 0; k < KILLS; k++) {
      const leader = await cluster.leader();
      await cluster.servers[leader - 1]!.kill('SIGKILL');
      const t0 = Date.now();
      await createRetrying(writer, `/bench/failover-${k}`, 'x');
      failovers.push(Date.now() - t0);
      progress(`kill ${k + 1}/${KILLS} of leader ${leader}: first write after ${failovers[k]} ms`);
      cluster.servers[leader - 1] = cluster.spawnServer(leader);
      const committed = (await cluster.statuses()).find((s) => s.role === 'leader')?.lastCommittedZxid ?? 0;
      await cluster.caughtUp(leader, committed);
    }
    await writer.close();
    rows.push(`| failover, ${KILLS} kills of the leader | - | - | median ${median(failovers)} ms | max ${Math.max(...failovers)} ms |`);
  } finally {
    await cluster.stop();
  }
  rows.push(await catchUp('diff', ['--snapshot-every', String(10 * BEHIND)]));
  rows.push(await catchUp('snap', ['--snapshot-every', String(Math.floor(BEHIND / 10)), '--keep-snapshots', '1']));
  console.log('| workload | concurrency | ops/s | p50 ms | p99 ms |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
