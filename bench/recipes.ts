// Recipe figures on a 3-server ensemble (fsync on) with 2 session actors: lock hand-over
// latency (the holder's release call to the next holder's acquire resolving) with 2 and 20
// contenders, each with a session of its own, every contender taking the lock `rounds` times.
// Run: npm run bench:recipes   (options: --rounds N)

import { parseArgs } from 'node:util';
import type { Client } from '../client/index.js';
import { Lock } from '../client/recipes/index.js';
import { Cluster } from '../test/harness/processes.js';
import { median, percentile, progress } from './load.js';

const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 25);

async function handOver(cluster: Cluster, contenders: number): Promise<string> {
  const clients: Client[] = [];
  for (let i = 0; i < contenders; i++) clients.push(await cluster.client());
  const dir = `/bench-lock-${contenders}`;
  const latencies: number[] = [];
  let releasedAt: number | undefined;
  let holders = 0;
  let taken = 0;
  const total = contenders * ROUNDS;
  progress(`lock, ${contenders} contenders on ${new Set(clients.map((c) => c.actor)).size} session actors: ${total} acquisitions`);
  const started = performance.now();
  await Promise.all(clients.map(async (zk) => {
    for (let r = 0; r < ROUNDS; r++) {
      const lock = new Lock(zk, dir);
      await lock.acquire();
      const now = performance.now();
      if (++holders !== 1) throw new Error('two holders at once');
      if (releasedAt !== undefined) latencies.push(now - releasedAt);
      if (++taken % Math.max(1, Math.floor(total / 4)) === 0) progress(`  ${taken}/${total}`);
      holders--;
      releasedAt = performance.now();
      await lock.release();
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  for (const c of clients) await c.close();
  latencies.sort((a, b) => a - b);
  return `| lock hand-over | ${contenders} | ${latencies.length} | ${Math.round(total / seconds)} | ${median(latencies).toFixed(2)} | ${percentile(latencies, 0.99).toFixed(2)} | ${latencies.at(-1)!.toFixed(2)} |`;
}

progress('starting 3 voting servers and 2 session actors');
const cluster = await Cluster.start({ servers: 3, sessions: 2, tick: 2000 });
try {
  const rows = [await handOver(cluster, 2), await handOver(cluster, 20)];
  console.log('| recipe | contenders | hand-overs | acquisitions/s | p50 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  await cluster.stop();
}
