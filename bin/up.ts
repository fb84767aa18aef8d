// `natszk up`: a whole local ensemble in the foreground: an embedded nats-server, N voting
// servers and M session actors, each its own process. Ctrl-C stops everything it started.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedNats } from '../deploy/local/embedded-nats.js';
import { connect } from '../client/index.js';
import { DEFAULT_ENSEMBLE } from '../transport/subjects.js';
import { logger, positiveInt, UsageError } from './config.js';
import { SPLIT_ACTORS, untilSignal } from './server.js';

export const UP_HELP = `usage: natszk up [--servers N] [--sessions M] [--gateway PORT] [--data DIR] [--ensemble NAME] [--port P] [--split-actors]

Starts a local ensemble and prints 'natszk ready: <nats url> ensemble=<name>' once it serves.
  --servers N     voting servers, each its own process (default 3)
  --split-actors  run each server's election, proposer and follower actors in three processes
  --sessions M    session actor processes (default 1)
  --gateway PORT  also a ZooKeeper wire-protocol gateway on 127.0.0.1:PORT (for zkCli.sh, kazoo, Curator)
  --data DIR      data directory (default ./natszk-data)
  --ensemble NAME ensemble name (default 'default')
  --port P        port of the embedded nats-server (default: a free one)
  --tick MS       base time unit (default 2000)
  --super-digest D  user:base64(sha1(user:password)) for the session actors and the gateway: that user passes every ACL`;

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), 'natszk.js');

export async function runUp(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { servers: { type: 'string' }, sessions: { type: 'string' }, data: { type: 'string' }, ensemble: { type: 'string' }, port: { type: 'string' }, tick: { type: 'string' }, 'split-actors': { type: 'boolean' }, gateway: { type: 'string' }, 'super-digest': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(UP_HELP);
  const servers = positiveInt(values.servers, 'servers', 3);
  const sessions = positiveInt(values.sessions, 'sessions', 1);
  const dataDir = path.resolve(values.data ?? 'natszk-data');
  const ensemble = values.ensemble ?? DEFAULT_ENSEMBLE;
  const tick = String(positiveInt(values.tick, 'tick', 2000));
  if (servers > 255) throw new UsageError('--servers must be at most 255');
  const log = logger('up');

  const nats = await startEmbeddedNats({ dir: dataDir, port: values.port ? positiveInt(values.port, 'port', 0) : undefined, quiet: true });
  log(`nats-server ${nats.url} (pid ${nats.pid})`);
  const children: ChildProcess[] = [];
  const launch = (args: string[]) => {
    const child = spawn(process.execPath, [CLI, ...args, '--nats', nats.url, '--ensemble', ensemble, '--tick', tick], { stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(child);
    return child;
  };
  const voters = Array.from({ length: servers }, (_, i) => i + 1).join(',');
  for (let id = 1; id <= servers; id++) {
    const args = ['server', '--id', String(id), '--voters', voters, '--data', path.join(dataDir, `server-${id}`)];
    if (!values['split-actors']) launch(args);
    else for (const actor of SPLIT_ACTORS) launch([...args, '--actor', actor]);
  }
  const superDigest = values['super-digest'] === undefined ? [] : ['--super-digest', values['super-digest']];
  for (let i = 0; i < sessions; i++) launch(['session', ...superDigest]);
  const gatewayPort = values.gateway === undefined ? undefined : positiveInt(values.gateway, 'gateway', 0);
  if (gatewayPort !== undefined) launch(['gateway', '--listen', `127.0.0.1:${gatewayPort}`, ...superDigest]);

  const stopAll = async () => {
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 5000).unref();
    })));
    await nats.stop();
  };
  try {
    await waitUntilServing(nats.url, ensemble, children);
    if (gatewayPort !== undefined) await waitUntilGateway(gatewayPort);
  } catch (err) {
    await stopAll();
    throw err;
  }
  console.log(`natszk ready: ${nats.url} ensemble=${ensemble}${gatewayPort === undefined ? '' : ` zookeeper=127.0.0.1:${gatewayPort}`}`);
  await untilSignal();
  log('stopping');
  await stopAll();
}

/** The gateway serves once it answers ruok on its port. */
async function waitUntilGateway(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await new Promise<string>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      let out = '';
      sock.setTimeout(1000, () => sock.destroy());
      sock.on('connect', () => sock.write('ruok'));
      sock.on('data', (d) => (out += d));
      sock.on('close', () => resolve(out));
      sock.on('error', () => resolve(''));
    });
    if (answer === 'imok') return;
    if (Date.now() > deadline) throw new Error(`the gateway did not answer on port ${port} within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitUntilServing(url: string, ensemble: string, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const dead = children.find((c) => c.exitCode !== null);
    if (dead) throw new Error(`a natszk process exited with code ${dead.exitCode} during start-up; see its messages above`);
    try {
      const client = await connect({ servers: url, ensemble, sessionless: true, requestTimeout: 2000 });
      try {
        await client.sync('/');
        return;
      } finally {
        await client.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the ensemble did not serve within 120 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
