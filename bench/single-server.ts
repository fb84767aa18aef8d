// Single-server figures: creates/s and getData/s at concurrency 1 and 64, and the restart
// time with 100,000 znodes. Real processes on loopback; prints a markdown table.
// Run: npm run bench:single   (options: --seconds S --znodes N)

import { parseArgs } from 'node:util';
import type { Client } from '../client/index.js';
import { Cluster } from '../test/harness/processes.js';
import { drive, progress } from './load.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, znodes: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 5);
const ZNODES = Number(values.znodes ?? 100_000);
async function main(): Promise<void> {
  const rows: string[] = [];
  const cluster = await Cluster.start({ servers: 1, tick: 2000, serverArgs: ['--snapshot-every', '100'] });
  try {
    const zk: Client = await cluster.client();
    await zk.create('/bench');
    for (const c of [1, 64]) {
      await zk.create(`/bench/c${c}`);
      rows.push(await drive('create', c, SECONDS, (w, i) => zk.create(`/bench/c${c}/w${w}-${i}`, 'x'.repeat(64))));
    }
    for (const c of [1, 64]) rows.push(await drive('getData', c, SECONDS, () => zk.getData('/bench/c1')));
    await zk.close();

    progress(`loading ${ZNODES} znodes`);
    const loader = await cluster.client({ sessionless: true });
    await loader.create('/load');
    const perMulti = 500;
    for (let base = 0; base < ZNODES; base += perMulti * 8) {
      await Promise.all(Array.from({ length: 8 }, (_, k) => {
        const from = base + k * perMulti;
        const ops = [];
        for (let i = from; i < Math.min(from + perMulti, ZNODES); i++) ops.push({ op: 'create' as const, path: `/load/n${i}`, data: 'y'.repeat(32) });
        return ops.length ? loader.multi(ops) : Promise.resolve([]);
      }));
      if (base % 20_000 === 0) progress(`  ${base}/${ZNODES}`);
    }
    await loader.close();
    progress('kill -9 of the server and restart');
    await cluster.servers[0]!.kill('SIGKILL');
    const t0 = Date.now();
    cluster.servers[0] = cluster.spawnServer(1);
    await cluster.waitServing(300_000);
    const restartMs = Date.now() - t0;
    const restore = cluster.servers[0].output.match(/.*(loaded snapshot|replayed).*/g)?.join('; ') ?? '';
    rows.push(`| restart with ${ZNODES} znodes (kill -9 to serving) | - | - | ${restartMs} ms | ${restore.replace(/\|/g, '/')} |`);
  } finally {
    await cluster.stop();
  }
  console.log('| workload | concurrency | ops/s | p50 ms | p99 ms |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
