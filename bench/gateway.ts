// The ZooKeeper gateway beside natszk's own client, on one 3-server ensemble: the same reads
// and writes from node-zookeeper-client through one gateway process and from the natszk client
// through one session actor process, so the table shows what the wire protocol costs.
// Run: npm run bench:gateway   (options: --seconds S)

import { parseArgs } from 'node:util';
import type { Client } from '../client/index.js';
import { startGateway } from '../test/gateway/gateways.js';
import { Cluster } from '../test/harness/processes.js';
import { zkCall, zkConnect } from './compare/systems.js';
import { measure, progress, type Measured } from './load.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 5);
const CONCURRENCY = [1, 16, 128];
const CONNECTIONS = 16;
const KEYS = 1000;
const VALUE = Buffer.alloc(256, 120);

type Op = (worker: number) => Promise<unknown>;
const key = () => `/gw/k${Math.floor(Math.random() * KEYS)}`;

async function main(): Promise<void> {
  progress('starting 3 voting servers, a session actor and a gateway');
  const cluster = await Cluster.start({ servers: 3, sessions: 1, tick: 2000 });
  const gateway = await startGateway(cluster);
  try {
    const natszk: Client[] = [];
    const zk: Awaited<ReturnType<typeof zkConnect>>[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      natszk.push(await cluster.client());
      zk.push(await zkConnect(gateway.connect));
    }
    progress(`${KEYS} keys of 256 bytes`);
    await natszk[0]!.create('/gw');
    for (let i = 0; i < KEYS; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => natszk[j % CONNECTIONS]!.create(`/gw/k${i + j}`, VALUE)));
    await Promise.all(natszk.map((c) => c.sync('/gw')));
    const clients: Record<string, { get: Op; set: Op }> = {
      'natszk client': { get: (w) => natszk[w % CONNECTIONS]!.getData(key()), set: (w) => natszk[w % CONNECTIONS]!.setData(key(), VALUE) },
      'node-zookeeper-client via gateway': {
        get: (w) => zkCall((cb) => zk[w % CONNECTIONS]!.getData(key(), undefined, cb)),
        set: (w) => zkCall((cb) => zk[w % CONNECTIONS]!.setData(key(), VALUE, -1, cb)),
      },
    };
    const rows: string[] = [];
    for (const c of CONCURRENCY) {
      for (const op of ['get', 'set'] as const) {
        const cells: Measured[] = [];
        for (const [name, ops] of Object.entries(clients)) {
          progress(`${name}: ${op === 'get' ? 'getData' : 'setData 256 B'} at concurrency ${c} for ${SECONDS} s`);
          cells.push(await measure(c, SECONDS, ops[op]));
        }
        const [own, gw] = cells as [Measured, Measured];
        const cell = (m: Measured) => `${Math.round(m.opsPerSecond).toLocaleString('en')} (${m.p50.toFixed(1)} / ${m.p99.toFixed(1)})`;
        rows.push(`| ${op === 'get' ? 'getData' : 'setData 256 B, 1,000 keys'} | ${c} | ${cell(own)} | ${cell(gw)} | ${(gw.opsPerSecond / own.opsPerSecond).toFixed(2)}x |`);
      }
    }
    for (const c of zk) c.close();
    for (const c of natszk) await c.close();
    console.log('| workload | conc. | natszk client ops/s (p50 / p99 ms) | node-zookeeper-client via the gateway ops/s (p50 / p99 ms) | gateway / natszk client |');
    console.log('|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    await gateway.proc.stop();
    await cluster.stop();
  }
}

await main();
