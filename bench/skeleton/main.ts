// npm run bench:skeleton: what natszk's architecture allows on this machine before natszk does
// any work of its own. The skeleton (actors.ts: natszk's processes, hops, batching, codec and
// LMDB store, none of its logic) creates beside natszk and Apache ZooKeeper, 3 servers each,
// running throughout, the cells taking turns as in `npm run bench`. If the skeleton itself
// is not 1.5x ZooKeeper, no work on natszk's own code gets natszk there. Three variants of the
// skeleton price the architecture's parts: its log in a plain file instead of LMDB, its
// session actor in the leader's process, and no log write at all.
// Options: --seconds S (per cell, default 5) --rounds R (default 3)

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuMs, ownCpuMs } from '../cpu.js';
import { measure, medianRound, progress, type Measured } from '../load.js';
import { apacheZooKeeper, natszk, type Connection } from '../compare/systems.js';
import { zooKeeperInstalled } from '../compare/zookeeper.js';
import { skeleton, type Writer } from './system.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, rounds: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 5);
const ROUNDS = Number(values.rounds ?? 3);
const CONCURRENCY = [1, 16, 128];
const VALUE = new Uint8Array(32).fill(120);

interface Cell { m: Measured; cpuMs: number }

async function cell(w: Writer, pool: Connection[], c: number, round: number): Promise<Cell> {
  progress(`${w.name}: creates at concurrency ${c}, round ${round + 1}/${ROUNDS}, ${SECONDS} s`);
  const pids = w.pids();
  const before = cpuMs(pids) + ownCpuMs();
  const m = await measure(c, SECONDS, (k, i) => pool[k % Math.min(c, pool.length)]!.create(`/s${c}-${round}-${k}-${i}`, VALUE));
  return { m, cpuMs: (cpuMs(pids) + ownCpuMs() - before) / m.count };
}

const missing = zooKeeperInstalled();
if (missing) {
  console.error(`bench: ${missing}`);
  process.exit(2);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'natszk-skeleton-'));
const systems: { w: Writer; pool: Connection[] }[] = [];
const table = new Map<number, Map<string, Cell>>();
try {
  const starters: [string, () => Promise<Writer>][] = [
    ['ZooKeeper', () => apacheZooKeeper(path.join(dir, 'zk'))],
    ['natszk', natszk],
    ['the skeleton', () => skeleton(path.join(dir, 'skeleton'))],
    ['the skeleton, its log in a plain file', () => skeleton(path.join(dir, 'skeleton-file'), { log: 'file' })],
    ['the skeleton, its session actor in the leader\'s process', () => skeleton(path.join(dir, 'skeleton-colocated'), { log: 'lmdb', colocated: true })],
    ['the skeleton, no log write', () => skeleton(path.join(dir, 'skeleton-none'), { log: 'none' })],
  ];
  try {
    for (const [name, start] of starters) {
      progress(`starting ${name} (3 servers)`);
      const w = await start();
      const pool: Connection[] = [];
      systems.push({ w, pool });
      for (let i = 0; i < 16; i++) pool.push(await w.connect());
      // ZooKeeper's JVMs in particular run slower until their code is compiled.
      progress(`${w.name}: warming up, 5 s`);
      await measure(16, 3, (k, i) => pool[k]!.create(`/warm-${k}-${i}`, VALUE));
      await measure(128, 2, (k, i) => pool[k % pool.length]!.create(`/warm128-${k}-${i}`, VALUE));
    }
    for (const c of CONCURRENCY) {
      const runs = new Map<string, Cell[]>();
      for (let r = 0; r < ROUNDS; r++) {
        for (const { w, pool } of systems) runs.set(w.name, [...(runs.get(w.name) ?? []), await cell(w, pool, c, r)]);
      }
      table.set(c, new Map([...runs].map(([name, cells]) => [name, medianRound(cells)!])));
    }
  } finally {
    for (const { w, pool } of systems) {
      progress(`stopping ${w.name}`);
      for (const c of pool) await c.close().catch(() => undefined);
      await w.stop();
    }
  }
  const cpus = os.cpus();
  console.log(`${new Date().toISOString().slice(0, 10)}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}; command: npm run bench:skeleton -- --seconds ${SECONDS} --rounds ${ROUNDS}; creates of 32 bytes, 16 connections, the cells taking turns, each system's median round`);
  console.log(`durability: ${systems.map(({ w }) => `${w.name}: ${w.durability}`).join('; ')}`);
  console.log('');
  console.log('| system | conc. | creates/s | p50 / p99 ms | CPU ms per create | / ZooKeeper | / skeleton |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [c, cells] of table) {
    const zk = cells.get('ZooKeeper')?.m.opsPerSecond;
    const sk = cells.get('skeleton')?.m.opsPerSecond;
    const ratio = (x: number, y: number | undefined) => (y ? `${(x / y).toFixed(2)}x` : 'n/a');
    for (const { w } of systems) {
      const x = cells.get(w.name)!;
      console.log(`| ${w.name} | ${c} | ${Math.round(x.m.opsPerSecond).toLocaleString('en')} | ${x.m.p50.toFixed(1)} / ${x.m.p99.toFixed(1)} | ${x.cpuMs.toFixed(3)} | ${ratio(x.m.opsPerSecond, zk)} | ${ratio(x.m.opsPerSecond, sk)} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
