// The skeleton (actors.ts) as a system the load generator drives: one nats-server, its four
// processes, and a client that sends a connection's calls of one turn in one request, as
// natszk's client does.

import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedNats } from '../../deploy/local/embedded-nats.js';
import { NatsBus } from '../../transport/nats-bus.js';
import { decode, encode } from '../../transport/codec.js';
import type { Connection, System } from '../compare/systems.js';
import { FOLLOWERS, SUBJECTS, type ClientBatch } from './actors.js';

/** What a throughput benchmark of writes needs of a system. */
export type Writer = Pick<System, 'name' | 'durability' | 'connect' | 'pids' | 'stop'>;

const ACTORS = fileURLToPath(new URL('./actors.js', import.meta.url));

function startActor(args: string[]): Promise<ChildProcess> {
  const child = fork(ACTORS, args, { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`skeleton ${args[0]} exited with ${code} before it was ready`)));
  });
}

async function connection(url: string): Promise<Connection> {
  const bus = await NatsBus.connect({ servers: url, name: 'skeleton-client' });
  let waiting: { path: string; data: Uint8Array; resolve: () => void; reject: (err: Error) => void }[] = [];
  const flush = () => {
    const batch = waiting;
    waiting = [];
    bus.request(SUBJECTS.session, encode(batch.map(({ path, data }) => ({ path, data })) satisfies ClientBatch), 10_000).then(
      (reply) => { decode(reply); for (const w of batch) w.resolve(); },
      (err: Error) => { for (const w of batch) w.reject(err); },
    );
  };
  const unsupported = () => Promise.reject(new Error('the skeleton only creates'));
  return {
    create: (p, data) => new Promise((resolve, reject) => {
      if (waiting.push({ path: p, data, resolve, reject }) === 1) process.nextTick(flush);
    }),
    set: unsupported,
    get: unsupported,
    close: () => bus.close(),
  };
}

export async function skeleton(dir: string): Promise<Writer> {
  const nats = await startEmbeddedNats({ dir: path.join(dir, 'nats'), quiet: true });
  const children: ChildProcess[] = [];
  process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); });
  children.push(await startActor(['session', nats.url, dir]));
  children.push(await startActor(['leader', nats.url, path.join(dir, 'server1'), '1']));
  for (const sid of FOLLOWERS) children.push(await startActor(['follower', nats.url, path.join(dir, `server${sid}`), String(sid)]));
  return {
    name: 'skeleton',
    durability: 'fsync on a quorum before the ack (natszk\'s LMDB store)',
    connect: () => connection(nats.url),
    pids: () => children.map((c) => c.pid!).concat(nats.pid),
    stop: async () => {
      await Promise.all(children.map((c) => new Promise((r) => {
        if (c.exitCode !== null || c.signalCode !== null) return r(undefined);
        c.once('exit', r);
        c.kill('SIGTERM');
      })));
      await nats.stop();
    },
  };
}
