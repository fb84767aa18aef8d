// The skeleton (actors.ts) as a system the load generator drives: one nats-server, its
// processes, and a client that sends a connection's calls of one turn in one request, as
// natszk's client does. Variants price two of natszk's choices: where the log is written, and
// the session actor's own process.

import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedNats } from '../../deploy/local/embedded-nats.js';
import { NatsBus } from '../../transport/nats-bus.js';
import { decode, encode } from '../../transport/codec.js';
import type { Connection, System } from '../compare/systems.js';
import { FOLLOWERS, SUBJECTS, type ClientBatch } from './actors.js';
import type { LogKind } from './logs.js';

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
      // Decoded though unused: natszk's client pays for reading its answers too.
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

export interface Variant {
  log: LogKind;
  /** the session actor in the leader's process, their messages to each other kept off NATS */
  colocated?: boolean;
}

const DURABILITY: Record<LogKind, string> = {
  lmdb: 'fsync on a quorum before the ack (natszk\'s LMDB store)',
  file: 'fdatasync of a preallocated file on a quorum before the ack (ZooKeeper\'s log)',
  none: 'none: no log write',
};

function variantName(v: Variant): string {
  const parts = [v.log === 'file' ? 'log in a plain file' : v.log === 'none' ? 'no log write' : '', v.colocated ? 'session actor in the leader\'s process' : ''].filter(Boolean);
  return parts.length === 0 ? 'skeleton' : `skeleton, ${parts.join(', ')}`;
}

export async function skeleton(dir: string, variant: Variant = { log: 'lmdb' }): Promise<Writer> {
  const nats = await startEmbeddedNats({ dir: path.join(dir, 'nats'), quiet: true });
  const children: ChildProcess[] = [];
  process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); });
  const server = (role: string, sid: number) => startActor([role, nats.url, path.join(dir, `server${sid}`), String(sid), variant.log]);
  if (variant.colocated) children.push(await server('session+leader', 1));
  else {
    children.push(await server('session', 0));
    children.push(await server('leader', 1));
  }
  for (const sid of FOLLOWERS) children.push(await server('follower', sid));
  return {
    name: variantName(variant),
    durability: DURABILITY[variant.log],
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
