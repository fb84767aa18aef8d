// A standalone Apache ZooKeeper 3.8 (the Debian package's jar, one JVM) on a free loopback
// port, for the differential test: the same client script against it and against a gateway.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../deploy/local/embedded-nats.js';
import { Proc } from '../harness/processes.js';
import { fourLetters } from './gateways.js';

const JAR = '/usr/share/java/zookeeper.jar';

export async function startStandaloneZooKeeper(dir: string, timeoutMs = 90_000): Promise<{ proc: Proc; connect: string }> {
  const port = await freePort();
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const cfg = path.join(dir, 'zoo.cfg');
  // tickTime 500 as the test clusters have, so both negotiate the same session timeouts.
  writeFileSync(cfg, [
    'tickTime=500', `dataDir=${path.join(dir, 'data')}`, `clientPort=${port}`, 'clientPortAddress=127.0.0.1',
    '4lw.commands.whitelist=*', 'admin.enableServer=false', 'extendedTypesEnabled=true', '',
  ].join('\n'));
  const child = spawn('java', ['-Xmx256m', '-Dzookeeper.extendedTypesEnabled=true', '-cp', JAR, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc(`zookeeper-${port}`, child);
  const deadline = Date.now() + timeoutMs;
  while ((await fourLetters(port, 'ruok', 1000)) !== 'imok') {
    if (!proc.alive || Date.now() > deadline) {
      await proc.kill();
      throw new Error(`ZooKeeper on port ${port} did not start:\n${proc.output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { proc, connect: `127.0.0.1:${port}` };
}
