// A 3-server Apache ZooKeeper ensemble on loopback for the comparison: the Debian package's
// jars, one JVM per server, ZooKeeper's defaults (fsync before acknowledging, tickTime 2000).

import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../deploy/local/embedded-nats.js';

const JAR = '/usr/share/java/zookeeper.jar';

export interface ZooKeeperEnsemble {
  connectString: string;
  /** the server that says it leads (four-letter word srvr) */
  leader(): Promise<number | undefined>;
  kill(id: number): Promise<void>;
  start(id: number): void;
  /** the running servers' process ids */
  pids(): number[];
  stop(): Promise<void>;
}

export function zooKeeperInstalled(): string | undefined {
  return existsSync(JAR) ? undefined : 'the Debian package zookeeper is not installed (apt-get install -y zookeeper)';
}

/** A four-letter word over TCP, as `echo srvr | nc` does. */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    sock.setTimeout(1000, () => sock.destroy());
    sock.on('connect', () => sock.write(word));
    sock.on('data', (d) => (out += d));
    sock.on('close', () => resolve(out));
    sock.on('error', () => resolve(''));
  });
}

export async function startZooKeeper(dir: string, servers = 3): Promise<ZooKeeperEnsemble> {
  const ids = Array.from({ length: servers }, (_, i) => i + 1);
  const ports = new Map<number, { client: number; peer: number; election: number }>();
  for (const id of ids) ports.set(id, { client: await freePort(), peer: await freePort(), election: await freePort() });
  const procs = new Map<number, ChildProcess>();
  const confDir = (id: number) => path.join(dir, `zk-${id}`);
  for (const id of ids) {
    const d = confDir(id);
    mkdirSync(path.join(d, 'data'), { recursive: true });
    writeFileSync(path.join(d, 'data', 'myid'), `${id}\n`);
    const members = ids.map((i) => `server.${i}=127.0.0.1:${ports.get(i)!.peer}:${ports.get(i)!.election}`).join('\n');
    writeFileSync(path.join(d, 'zoo.cfg'), [
      'tickTime=2000', 'initLimit=10', 'syncLimit=5', `dataDir=${path.join(d, 'data')}`, `clientPort=${ports.get(id)!.client}`,
      'clientPortAddress=127.0.0.1', '4lw.commands.whitelist=*', 'admin.enableServer=false', 'maxClientCnxns=0', members, '',
    ].join('\n'));
    copyFileSync('/etc/zookeeper/conf/log4j.properties', path.join(d, 'log4j.properties'));
  }
  const start = (id: number) => {
    const d = confDir(id);
    const child = spawn('java', ['-Xmx512m', '-Dzookeeper.log.dir=' + d, '-Dzookeeper.root.logger=WARN,CONSOLE', '-cp', `${d}:${JAR}`, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', path.join(d, 'zoo.cfg')], { stdio: 'ignore' });
    procs.set(id, child);
  };
  const leader = async () => {
    for (const id of ids) {
      if (!procs.get(id) || procs.get(id)!.exitCode !== null || procs.get(id)!.signalCode !== null) continue;
      if (/Mode: leader/.test(await fourLetterWord(ports.get(id)!.client, 'srvr'))) return id;
    }
    return undefined;
  };
  const kill = async (id: number) => {
    const p = procs.get(id);
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  // Even if the benchmark dies, no JVM outlives it.
  process.once('exit', () => { for (const p of procs.values()) p.kill('SIGKILL'); });
  for (const id of ids) start(id);
  const deadline = Date.now() + 60_000;
  while ((await leader()) === undefined) {
    if (Date.now() > deadline) throw new Error('ZooKeeper elected no leader within 60 s; is java installed?');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    connectString: ids.map((id) => `127.0.0.1:${ports.get(id)!.client}`).join(','),
    leader,
    kill,
    pids: () => [...procs.values()].flatMap((p) => (p.exitCode === null && p.signalCode === null && p.pid ? [p.pid] : [])),
    start,
    stop: async () => {
      await Promise.all(ids.map(kill));
    },
  };
}
