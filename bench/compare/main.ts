// npm run bench: natszk beside Apache ZooKeeper and JetStream KV, 3 servers each, on this
// machine, driven by one load generator. Prints a markdown table.
// natszk runs twice: through its own client over NATS, and serving node-zookeeper-client (the
// ZooKeeper column's client) through its ZooKeeper gateway.
// Every system runs for the whole benchmark and the cells take turns: one workload at one
// concurrency on each system in a row, `rounds` times, each system's median of its rounds in
// the table. This machine's speed drifts by a factor of two within minutes; run one system
// after the other and the drift lands in the ratios.
// Before the load, every system sits idle together for a while: what each costs doing nothing.
// Options: --seconds S (per cell, default 5) --rounds R (default 1) --kills N (failovers per
//          system, default 3) --only natszk,gateway,zookeeper,jetstream

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findNatsServer } from '../../deploy/local/embedded-nats.js';
import { cpuMs, ownCpuMs } from '../cpu.js';
import { measure, median, medianRound, percentile, progress, type Measured } from '../load.js';
import { apacheZooKeeper, jetStreamKv, natszk, natszkGateway, type Connection, type System } from './systems.js';
import { zooKeeperInstalled } from './zookeeper.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, rounds: { type: 'string' }, kills: { type: 'string' }, only: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 5);
const ROUNDS = Number(values.rounds ?? 1);
const KILLS = Number(values.kills ?? 3);
const ONLY = (values.only ?? 'natszk,gateway,zookeeper,jetstream').split(',');
const CONCURRENCY = [1, 16, 128];
const KEYS = 1000;
const VALUE = new Uint8Array(256).fill(120);

/** CPU ms per operation: the system's server processes, and this process (load generator + client library) */
type CpuCost = { servers: number; client: number };
type Row = { workload: string; concurrency: number | string; results: Map<string, Measured | undefined>; cpu: Map<string, CpuCost> };
const rows: Row[] = [];
const row = (workload: string, concurrency: number | string) => {
  let r = rows.find((x) => x.workload === workload && x.concurrency === concurrency);
  if (!r) rows.push((r = { workload, concurrency, results: new Map(), cpu: new Map() }));
  return r;
};

/** A running system with its 16 connections and the 1,000 keys the workloads read and write. */
interface Driven { system: System; pool: Connection[] }

async function prepare(system: System): Promise<Driven> {
  const pool: Connection[] = [];
  for (let i = 0; i < 16; i++) pool.push(await system.connect());
  await pool[0]!.create('/bench', new Uint8Array()).catch(() => undefined);
  progress(`${system.name}: ${KEYS} keys of 256 bytes`);
  for (let i = 0; i < KEYS; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => pool[j % 16]!.create(`/bench/k${i + j}`, VALUE)));
  return { system, pool };
}

type Op = (worker: number, i: number) => Promise<unknown>;
const key = () => `/bench/k${Math.floor(Math.random() * KEYS)}`;
/** Each workload's operation on a system at a concurrency, in a round; undefined where the system has none. */
const WORKLOADS: [string, (d: Driven, c: number, round: number) => Op | undefined][] = [
  ['create', (d, c, r) => (w, i) => conn(d, w, c).create(`/bench/c${c}-${r}-${w}-${i}`, VALUE.subarray(0, 32))],
  ['setData 256 B, 1,000 keys', (d, c) => (w) => conn(d, w, c).set(key(), VALUE)],
  ['getData', (d, c) => (w) => conn(d, w, c).get(key())],
  ['90% getData / 10% setData', (d, c) => (w) => (Math.random() < 0.9 ? conn(d, w, c).get(key()) : conn(d, w, c).set(key(), VALUE))],
  ['ephemeral create + session close', (d, c, r) => {
    const churn = d.system.ephemeralChurn;
    return churn && ((w, i) => churn(`/bench/e${c}-${r}-${w}-${i}`));
  }],
];
const conn = (d: Driven, w: number, c: number) => d.pool[w % Math.min(c, d.pool.length)]!;

/** One cell on one system: throughput, latency, and what each operation cost in CPU. */
async function cell(d: Driven, workload: string, c: number, op: Op): Promise<{ m: Measured; cpu: CpuCost }> {
  progress(`${d.system.name}: ${workload} at concurrency ${c} for ${SECONDS} s`);
  const pids = d.system.pids();
  const [servers0, client0] = [cpuMs(pids), ownCpuMs()];
  const m = await measure(c, SECONDS, op);
  return { m, cpu: { servers: (cpuMs(pids) - servers0) / m.count, client: (ownCpuMs() - client0) / m.count } };
}

/**
 * CPU ms per second of each system's server processes while nothing is asked of any: every
 * system up, its 16 sessions open. A coordination service is idle most of its life, and on a
 * shared machine what it burns then is taken from its neighbours.
 */
async function idleCost(driven: Driven[], seconds: number): Promise<Map<string, number>> {
  progress(`every system idle for ${seconds} s`);
  const before = driven.map((d) => cpuMs(d.system.pids()));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return new Map(driven.map((d, i) => [d.system.name, (cpuMs(d.system.pids()) - before[i]!) / seconds]));
}

async function runAll(driven: Driven[]): Promise<void> {
  for (const c of CONCURRENCY) {
    for (const [workload, opOf] of WORKLOADS) {
      const samples = new Map<string, { m: Measured; cpu: CpuCost }[]>();
      for (let r = 0; r < ROUNDS; r++) {
        for (const d of driven) {
          const op = opOf(d, c, r);
          if (!op) continue;
          samples.set(d.system.name, [...(samples.get(d.system.name) ?? []), await cell(d, workload, c, op)]);
        }
      }
      for (const d of driven) {
        const mid = medianRound(samples.get(d.system.name) ?? []);
        row(workload, c).results.set(d.system.name, mid?.m);
        if (mid) row(workload, c).cpu.set(d.system.name, mid.cpu);
      }
    }
  }
  for (const { system, pool } of driven) {
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

/** Each natszk system against each other system: the pairs the ratio columns compare. */
function pairs(names: string[]): [string, string][] {
  const ours = names.filter((n) => n.startsWith('natszk'));
  const theirs = names.filter((n) => !n.startsWith('natszk'));
  return ours.flatMap((a) => theirs.map((b): [string, string] => [a, b]));
}

function ratio(a: Measured | undefined, b: Measured | undefined, latencyOnly: boolean): string {
  if (!a || !b) return 'n/a';
  return latencyOnly ? `${(b.p50 / a.p50).toFixed(2)}x (p50)` : `${(a.opsPerSecond / b.opsPerSecond).toFixed(2)}x`;
}

/**
 * What an operation costs in CPU, each system's server processes and the load generator apart:
 * on two cores, where every process of a system shares them with the load generator, this is
 * what bounds throughput once latency no longer does.
 */
function printCpuTable(names: string[]): void {
  const compared = pairs(names);
  console.log('');
  console.log(`CPU per operation (ms of CPU time: the system's server processes + the load generator with its client library; ${os.cpus().length} cores in all)`);
  console.log('');
  console.log(`| workload | conc. | ${[...names, ...compared.map(([a, o]) => `${o} / ${a}`)].join(' | ')} |`);
  console.log(`|---|---|${[...names, ...compared].map(() => '---|').join('')}`);
  const total = (c: CpuCost | undefined) => (c ? c.servers + c.client : NaN);
  for (const r of rows) {
    if (r.cpu.size === 0) continue;
    const cells = names.map((n) => { const c = r.cpu.get(n); return c ? `${c.servers.toFixed(3)} + ${c.client.toFixed(3)}` : 'n/a'; });
    const ratios = compared.map(([a, o]) => { const x = total(r.cpu.get(o)) / total(r.cpu.get(a)); return Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a'; });
    console.log(`| ${r.workload} | ${r.concurrency} | ${[...cells, ...ratios].join(' | ')} |`);
  }
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
const running: System[] = [];
const IDLE_SECONDS = 10;
let idle = new Map<string, number>();
try {
  const starters: [string, () => Promise<System>][] = [
    ['natszk', natszk],
    ['gateway', natszkGateway],
    ['zookeeper', () => apacheZooKeeper(path.join(dir, 'zk'))],
    ['jetstream', () => jetStreamKv(path.join(dir, 'js'))],
  ];
  const durability: string[] = [];
  const driven: Driven[] = [];
  try {
    for (const [key, start] of starters) {
      if (!ONLY.includes(key)) continue;
      progress(`starting ${key} (3 servers)`);
      const system = await start();
      running.push(system);
      names.push(system.name);
      durability.push(`${system.name}: ${system.durability}`);
      driven.push(await prepare(system));
    }
    idle = await idleCost(driven, IDLE_SECONDS);
    await runAll(driven);
  } finally {
    for (const system of running) {
      progress(`stopping ${system.name}`);
      await system.stop();
    }
  }
  const cpus = os.cpus();
  console.log(`${new Date().toISOString().slice(0, 10)}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${versions()}`);
  console.log(`command: npm run bench -- --seconds ${SECONDS} --rounds ${ROUNDS} --kills ${KILLS}; all servers on loopback, every system running throughout; the cells take turns, ${ROUNDS} round(s) of each, the median round shown`);
  console.log(`durability: ${durability.join('; ')}`);
  console.log('natszk: its own client over NATS to a session actor, a NATS connection per client (the ephemeral churn opens every session over one shared connection, as a process opening sessions keeps its connection; each of ZooKeeper\'s needs a TCP connection of its own); natszk gateway: node-zookeeper-client (as for ZooKeeper) through a natszk gateway in place of the session actor');
  console.log(`ratios: throughput natszk / other; on the latency rows (watch, failover) the other's p50 / natszk's, so above 1 means natszk is faster`);
  console.log('');
  const compared = pairs(names);
  console.log(`| workload | conc. | ${[...names.map((n) => `${n} ops/s (p50 / p99 / p999 ms)`), ...compared.map(([a, o]) => `${a} / ${o}`)].join(' | ')} |`);
  console.log(`|---|---|${[...names, ...compared].map(() => '---|').join('')}`);
  for (const r of rows) {
    const latencyOnly = r.workload.startsWith('watch') || r.workload.startsWith('leader');
    const cells = names.map((n) => cellText(r.results.get(n), latencyOnly));
    const ratios = compared.map(([a, o]) => ratio(r.results.get(a), r.results.get(o), latencyOnly));
    console.log(`| ${r.workload} | ${r.concurrency} | ${[...cells, ...ratios].join(' | ')} |`);
  }
  printCpuTable(names);
  console.log('');
  console.log(`Idle: ms of CPU per second of each system's server processes over ${IDLE_SECONDS} s with no load, every system up and its 16 sessions open`);
  console.log('');
  console.log(`| ${names.join(' | ')} |`);
  console.log(`|${names.map(() => '---|').join('')}`);
  console.log(`| ${names.map((n) => (idle.has(n) ? idle.get(n)!.toFixed(0) : 'n/a')).join(' | ')} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
