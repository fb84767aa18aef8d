// npm run bench:profile: where natszk's processes spend their time under load. Starts a
// 3-server ensemble and a session actor under `node --cpu-prof`, drives one workload from 16
// connections, and prints for the leader, each follower and the session actor what share of
// the load's window went to which code, and the functions that took most. The .cpuprofile
// files stay behind, named by role: open them as flame graphs in Chrome DevTools (Performance,
// "Load profile") or on speedscope.app.
// Options: --workload create|setData|getData (default create) --concurrency N (default 128)
//          --seconds S (default 10) --out DIR (default ./profiles)

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Cluster } from '../test/harness/processes.js';
import type { Client } from '../client/index.js';
import { measure, progress } from './load.js';
import { summarize, summaryMarkdown, type CpuProfile } from './profile-summary.js';

const WORKLOADS = ['create', 'setData', 'getData'] as const;
type Workload = (typeof WORKLOADS)[number];

const { values } = parseArgs({ options: { workload: { type: 'string' }, concurrency: { type: 'string' }, seconds: { type: 'string' }, out: { type: 'string' } } });
const workload = (values.workload ?? 'create') as Workload;
const CONCURRENCY = Number(values.concurrency ?? 128);
const SECONDS = Number(values.seconds ?? 10);
if (!WORKLOADS.includes(workload) || !(CONCURRENCY >= 1) || !(SECONDS > 0)) {
  console.error(`bench:profile: --workload is one of ${WORKLOADS.join(', ')}; --concurrency and --seconds are positive numbers`);
  process.exit(2);
}
const KEYS = 1000;
const VALUE = new Uint8Array(workload === 'create' ? 32 : 256).fill(120);
const outDir = path.resolve(values.out ?? 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
const rawDir = path.join(outDir, 'raw');
mkdirSync(rawDir, { recursive: true });

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function operation(pool: Client[], tag: string): (worker: number, i: number) => Promise<unknown> {
  const at = (w: number) => pool[w % pool.length]!;
  switch (workload) {
    case 'create': return (w, i) => at(w).create(`/p/${tag}-${w}-${i}`, VALUE);
    case 'setData': return (w, i) => at(w).setData(`/p/k${(w * 7919 + i) % KEYS}`, VALUE);
    case 'getData': return (w, i) => at(w).getData(`/p/k${(w * 7919 + i) % KEYS}`);
  }
}

progress(`starting 3 voting servers and a session actor under --cpu-prof (profiles in ${outDir})`);
const cluster = await Cluster.start({ servers: 3, sessions: 1, tick: 2000, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${rawDir}`] });
const roles = new Map<number, string>();
const window = await (async () => {
  try {
    const leader = await cluster.leader();
    cluster.servers.forEach((s, i) => roles.set(s.child.pid!, i + 1 === leader ? `leader (server ${i + 1})` : `follower (server ${i + 1})`));
    roles.set(cluster.sessions[0]!.child.pid!, 'session actor');
    const pool: Client[] = [];
    for (let i = 0; i < 16; i++) pool.push(await cluster.client());
    await pool[0]!.create('/p');
    if (workload !== 'create') {
      progress(`creating ${KEYS} keys`);
      await Promise.all(Array.from({ length: KEYS }, (_, k) => pool[k % pool.length]!.create(`/p/k${k}`, VALUE)));
    }
    const warmup = Math.min(2, SECONDS);
    progress(`warming up: ${workload} at concurrency ${CONCURRENCY} for ${warmup} s`);
    await measure(CONCURRENCY, warmup, operation(pool, 'warm'));
    progress(`profiling: ${workload} at concurrency ${CONCURRENCY} for ${SECONDS} s`);
    const fromUs = nowUs();
    const m = await measure(CONCURRENCY, SECONDS, operation(pool, 'load'));
    const toUs = nowUs();
    for (const c of pool) await c.close();
    return { fromUs, toUs, operations: m.count, opsPerSecond: m.opsPerSecond };
  } finally {
    progress('stopping the ensemble (each process writes its profile as it exits)');
    await cluster.stop();
  }
})();

console.log(`## ${workload}, concurrency ${CONCURRENCY}, ${SECONDS} s: ${Math.round(window.opsPerSecond)} operations/s\n`);
console.log('Time on each process\'s JavaScript thread during the load, sampled by V8 (wall time: a call that waits for the disk, or a thread preempted, counts as busy).\n');
for (const file of readdirSync(rawDir).filter((f) => f.endsWith('.cpuprofile'))) {
  const pid = Number(/\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1]);
  const role = roles.get(pid);
  if (!role) continue;
  const named = path.join(outDir, `${role.replace(/[^a-z0-9]+/g, '-').replace(/-$/, '')}.cpuprofile`);
  renameSync(path.join(rawDir, file), named);
  const profile = JSON.parse(readFileSync(named, 'utf8')) as CpuProfile;
  console.log(summaryMarkdown(`${role}: ${path.relative(process.cwd(), named)}`, summarize(profile, window.fromUs, window.toUs), window.operations));
}
rmSync(rawDir, { recursive: true, force: true });
