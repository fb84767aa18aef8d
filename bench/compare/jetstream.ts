// A 3-server nats-server cluster with JetStream for the comparison, and its KV bucket of 3
// replicas. JetStream acknowledges a write once a quorum has it in memory and flushes to
// disk lazily (sync_interval, 2 minutes by default): a weaker promise than fsync.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findNatsServer, freePort } from '../../deploy/local/embedded-nats.js';

export interface JetStreamCluster {
  urls: string[];
  names: string[];
  kill(i: number): Promise<void>;
  start(i: number): void;
  /** the running servers' process ids */
  pids(): number[];
  stop(): Promise<void>;
}

export async function startJetStream(dir: string, servers = 3): Promise<JetStreamCluster> {
  const bin = findNatsServer();
  const client = await Promise.all(Array.from({ length: servers }, () => freePort()));
  const route = await Promise.all(Array.from({ length: servers }, () => freePort()));
  const names = client.map((_, i) => `js-${i + 1}`);
  const procs: (ChildProcess | undefined)[] = [];
  const conf = (i: number) => path.join(dir, `js-${i}.conf`);
  for (let i = 0; i < servers; i++) {
    mkdirSync(path.join(dir, `js-${i}`), { recursive: true });
    writeFileSync(conf(i), [
      `server_name: ${names[i]}`, `listen: 127.0.0.1:${client[i]}`,
      `jetstream { store_dir: "${path.join(dir, `js-${i}`)}" }`,
      `cluster { name: bench, listen: 127.0.0.1:${route[i]}, routes: [${route.filter((_, j) => j !== i).map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}] }`, '',
    ].join('\n'));
  }
  const start = (i: number) => {
    procs[i] = spawn(bin, ['-c', conf(i)], { stdio: 'ignore' });
  };
  const kill = async (i: number) => {
    const p = procs[i];
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  // Even if the benchmark dies, no nats-server outlives it.
  process.once('exit', () => { for (const p of procs) p?.kill('SIGKILL'); });
  for (let i = 0; i < servers; i++) start(i);
  const pids = () => procs.flatMap((p) => (p && p.exitCode === null && p.signalCode === null && p.pid ? [p.pid] : []));
  return { urls: client.map((p) => `nats://127.0.0.1:${p}`), names, kill, start, pids, stop: async () => { await Promise.all(procs.map((_, i) => kill(i))); } };
}
