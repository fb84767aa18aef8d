// npm run bench: natszk beside Apache ZooKeeper and JetStream KV, 3 servers each, on this
// machine, one system at a time, driven by one load generator. Prints a markdown table.
// Options: --seconds S (per cell, default 5) --kills N (failovers per system, default 3)
//          --only natszk,zookeeper,jetstream

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findNatsServer } from '../../deploy/local/embedded-nats.js';
import { measure, median, percentile, progress, type Measured } from '../load.js';
import { apacheZooKeeper, jetStreamKv, natszk, type Connection, type System } from './systems.js';
import { zooKeeperInstalled } from './zookeeper.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, kills: { type: 'string' }, only: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 5);
const KILLS = Number(values.kills ?? 3);
const ONLY = (values.only ?? 'natszk,zookeeper,jetstream').split(',');
const CONCURRENCY = [1, 16, 128];
const KEYS = 1000;
const VALUE = new Uint8Array(256).fill(120);

type Row = { workload: string; concurrency: number | string; results: Map<string, Measured | undefined> };
const rows: Row[] = [];
const row = (workload: string, concurrency: number | string) => {
  let r = rows.find((x) => x.workload === workload && x.concurrency === concurrency);
  if (!r) rows.push((r = { workload, concurrency, results: new Map() }));
  return r;
};

async function runSystem(system: System): Promise<void> {
  const pool: Connection[] = [];
  for (let i = 0; i < 16; i++) pool.push(await system.connect());
  const conn = (w: number, c: number) => pool[w % Math.min(c, pool.length)]!;
  await pool[0]!.create('/bench', new Uint8Array()).catch(() => undefined);
  progress(`${system.name}: ${KEYS} keys of 256 bytes`);
  for (let i = 0; i < KEYS; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => pool[j % 16]!.create(`/bench/k${i + j}`, VALUE)));
  const key = () => `/bench/k${Math.floor(Math.random() * KEYS)}`;
  const cell = async (workload: string, c: number, op: (w: number, i: number) => Promise<unknown>) => {
    progress(`${system.name}: ${workload} at concurrency ${c} for ${SECONDS} s`);
    row(workload, c).results.set(system.name, await measure(c, SECONDS, op));
  };
  for (const c of CONCURRENCY) {
    await cell('create', c, (w, i) => conn(w, c).create(`/bench/c${c}-${w}-${i}`, VALUE.subarray(0, 32)));
    await cell('setData 256 B, 1,000 keys', c, (w) => conn(w, c).set(key(), VALUE));
    await cell('getData', c, (w) => conn(w, c).get(key()));
    await cell('90% getData / 10% setData', c, (w) => (Math.random() < 0.9 ? conn(w, c).get(key()) : conn(w, c).set(key(), VALUE)));
    if (system.ephemeralChurn) await cell('ephemeral create + session close', c, (w, i) => system.ephemeralChurn!(`/bench/e${c}-${w}-${i}`));
    else row('ephemeral create + session close', c).results.set(system.name, undefined);
  }
  progress(`${system.name}: watch notification latency, 300 changes`);
  const watch = (await system.watchLatency(300)).sort((a, b) => a - b);
  row('watch notification (setData → event at another client)', 1).results.set(system.name, { opsPerSecond: NaN, p50: percentile(watch, 0.5), p99: percentile(watch, 0.99), p999: percentile(watch, 0.999), count: watch.length });
  const failovers: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    progress(`${system.name}: leader failover ${k + 1}/${KILLS} under 16 writers`);
    failovers.push(await failover(system, pool));
    await system.heal();
  }
  failovers.sort((a, b) => a - b);
  row(`leader failover (kill -9 → first write), ${KILLS} kills`, 16).results.set(system.name, { opsPerSecond: NaN, p50: median(failovers), p99: failovers.at(-1)!, p999: failovers.at(-1)!, count: failovers.length });
  for (const c of pool) await c.close().catch(() => undefined);
}

/** ms from kill -9 of the leader to the first write, started after it, that succeeds. */
async function failover(system: System, pool: Connection[]): Promise<number> {
  let killedAt = Infinity;
  let firstAfter = Infinity;
  let stop = false;
  const writers = pool.map(async (c, w) => {
    for (let i = 0; !stop; i++) {
      const started = performance.now();
      try {
        await c.create(`/bench/f${Date.now()}-${w}-${i}`, VALUE.subarray(0, 32));
        if (started > killedAt) firstAfter = Math.min(firstAfter, performance.now());
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  // From the moment the leader's process is gone: what was started before may still succeed.
  await system.killLeader();
  killedAt = performance.now();
  const deadline = Date.now() + 60_000;
  while (firstAfter === Infinity && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  stop = true;
  await Promise.all(writers);
  return firstAfter - killedAt;
}

function cellText(m: Measured | undefined, latencyOnly: boolean): string {
  if (!m) return 'n/a';
  const lat = `${m.p50.toFixed(1)} / ${m.p99.toFixed(1)} / ${m.p999.toFixed(1)}`;
  return latencyOnly ? lat : `${Math.round(m.opsPerSecond).toLocaleString('en')} (${lat})`;
}

function ratio(a: Measured | undefined, b: Measured | undefined, latencyOnly: boolean): string {
  if (!a || !b) return 'n/a';
  return latencyOnly ? `${(b.p50 / a.p50).toFixed(2)}x (p50)` : `${(a.opsPerSecond / b.opsPerSecond).toFixed(2)}x`;
}

function versions(): string {
  const dpkg = (pkg: string) => { try { return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }); } catch { return '?'; } };
  const nats = execFileSync(findNatsServer(), ['--version'], { encoding: 'utf8' }).trim();
  // java -version writes to stderr.
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0]?.trim() ?? 'java';
  return `natszk 0.1.0, Node ${process.version}; ZooKeeper ${dpkg('zookeeper')} (Debian) on ${java}; ${nats}`;
}

const missing = zooKeeperInstalled();
if (missing && ONLY.includes('zookeeper')) {
  console.error(`bench: ${missing}`);
  process.exit(2);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'natszk-bench-'));
const names: string[] = [];
try {
  const starters: [string, () => Promise<System>][] = [
    ['natszk', natszk],
    ['zookeeper', () => apacheZooKeeper(path.join(dir, 'zk'))],
    ['jetstream', () => jetStreamKv(path.join(dir, 'js'))],
  ];
  const durability: string[] = [];
  for (const [key, start] of starters) {
    if (!ONLY.includes(key)) continue;
    progress(`starting ${key} (3 servers)`);
    const system = await start();
    names.push(system.name);
    durability.push(`${system.name}: ${system.durability}`);
    try {
      await runSystem(system);
    } finally {
      progress(`stopping ${system.name}`);
      await system.stop();
    }
  }
  const cpus = os.cpus();
  console.log(`${new Date().toISOString().slice(0, 10)}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${versions()}`);
  console.log(`command: npm run bench -- --seconds ${SECONDS} --kills ${KILLS}; all servers on loopback, one system at a time`);
  console.log(`durability: ${durability.join('; ')}`);
  console.log(`ratios: throughput ${names[0]} / other; on the latency rows (watch, failover) the other's p50 / ${names[0]}'s, so above 1 means ${names[0]} is faster`);
  console.log('');
  const [a, ...others] = names;
  console.log(`| workload | conc. | ${names.map((n) => `${n} ops/s (p50 / p99 / p999 ms)`).join(' | ')} | ${others.map((o) => `${a} / ${o}`).join(' | ')} |`);
  console.log(`|---|---|${names.map(() => '---|').join('')}${others.map(() => '---|').join('')}`);
  for (const r of rows) {
    const latencyOnly = r.workload.startsWith('watch') || r.workload.startsWith('leader');
    const cells = names.map((n) => cellText(r.results.get(n), latencyOnly));
    const ratios = others.map((o) => ratio(r.results.get(a!), r.results.get(o), latencyOnly));
    console.log(`| ${r.workload} | ${r.concurrency} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
