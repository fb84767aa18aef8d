// The three systems behind one small interface, so that one load generator drives them all:
// natszk (its client library), Apache ZooKeeper (node-zookeeper-client) and JetStream KV
// (the nats client). Keys are ZooKeeper paths; JetStream KV gets them with '/' as '.'.

import zookeeper from 'node-zookeeper-client';
import { connect as natsConnect, type KV, type NatsConnection } from 'nats';
import { connect, type Client } from '../../client/index.js';
import { startGateway, type GatewayProc } from '../../test/gateway/gateways.js';
import { Cluster, type Proc } from '../../test/harness/processes.js';
import { startJetStream, type JetStreamCluster } from './jetstream.js';
import { startZooKeeper, type ZooKeeperEnsemble } from './zookeeper.js';

export interface Connection {
  create(path: string, data: Uint8Array): Promise<void>;
  set(path: string, data: Uint8Array): Promise<void>;
  get(path: string): Promise<void>;
  close(): Promise<void>;
}

export interface System {
  name: string;
  /** how a write is made durable before it is acknowledged */
  durability: string;
  connect(): Promise<Connection>;
  /** open a session, create an ephemeral node, close the session; undefined where there are none */
  ephemeralChurn?: (path: string) => Promise<void>;
  /** latencies (ms) of `rounds` changes made by one connection and heard by another */
  watchLatency(rounds: number): Promise<number[]>;
  /** kill -9 of the leader; resolves once it is gone */
  killLeader(): Promise<void>;
  /** the killed server back, and the system whole again */
  heal(): Promise<void>;
  stop(): Promise<void>;
  /** every server-side process of the system (for its CPU time) */
  pids(): number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------- natszk ----------

/**
 * A natszk ensemble as `natszk up` runs it (3 voting servers, one session actor, each its own
 * process, one nats-server), with what both natszk systems do alike: kill -9 of the leader,
 * the killed server back, stop, pids. extra: the system's processes beside the cluster's.
 */
async function natszkEnsemble(extra: () => Proc[]): Promise<{ cluster: Cluster; common: Pick<System, 'killLeader' | 'heal' | 'stop' | 'pids'> }> {
  const cluster = await Cluster.start({ servers: 3, sessions: 1, tick: 2000 });
  // Even if the benchmark dies, none of its processes outlives it.
  process.once('exit', () => {
    for (const p of [...cluster.servers, ...cluster.sessions, ...extra()]) p.child.kill('SIGKILL');
    for (const n of cluster.nats) {
      try {
        process.kill(n.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  let killed: number | undefined;
  return {
    cluster,
    common: {
      killLeader: async () => {
        killed = await cluster.leader();
        await cluster.servers[killed - 1]!.kill('SIGKILL');
      },
      heal: async () => {
        if (killed === undefined) return;
        cluster.servers[killed - 1] = cluster.spawnServer(killed);
        const leader = (await cluster.statuses()).find((s) => s.role === 'leader');
        await cluster.caughtUp(killed, leader?.lastCommittedZxid ?? 0);
        killed = undefined;
      },
      stop: async () => {
        for (const p of extra()) await p.stop();
        await cluster.stop();
      },
      pids: () => [...cluster.servers, ...cluster.sessions, ...extra()].flatMap((p) => (p.alive && p.child.pid ? [p.child.pid] : [])).concat(cluster.nats.map((n) => n.pid)),
    },
  };
}

/** natszk through its own client over NATS, to the session actor. */
export async function natszk(): Promise<System> {
  const { cluster, common } = await natszkEnsemble(() => []);
  // One process opening and closing sessions keeps its NATS connection: sessions share it.
  const churnConnection = await natsConnect({ servers: cluster.url, name: 'bench-churn' });
  const connection = (zk: Client): Connection => ({
    create: async (p, d) => { await zk.create(p, d); },
    set: async (p, d) => { await zk.setData(p, d); },
    get: async (p) => { await zk.getData(p); },
    close: () => zk.close(),
  });
  return {
    name: 'natszk',
    durability: 'fsync on a quorum before the ack',
    connect: async () => connection(await cluster.client()),
    ephemeralChurn: async (path) => {
      const zk = await connect({ connection: churnConnection, ensemble: cluster.ensemble });
      await zk.create(path, '', { mode: 'ephemeral' });
      await zk.close();
    },
    watchLatency: async (rounds) => {
      const [writer, watcher] = [await cluster.client(), await cluster.client()];
      await writer.create('/bench-watch', '0').catch(() => undefined);
      const out: number[] = [];
      let sentAt = 0;
      let heard = () => {};
      await watcher.addWatch('/bench-watch', () => { out.push(performance.now() - sentAt); heard(); });
      for (let i = 0; i < rounds; i++) {
        const event = new Promise<void>((r) => { heard = r; });
        sentAt = performance.now();
        await writer.setData('/bench-watch', String(i));
        await event;
      }
      await writer.close();
      await watcher.close();
      return out;
    },
    ...common,
    stop: async () => {
      await churnConnection.close();
      await common.stop();
    },
  };
}

/**
 * natszk serving ZooKeeper's own client: node-zookeeper-client, as in the ZooKeeper column,
 * connected to one `natszk gateway` (a session actor with ZooKeeper's TCP protocol in front,
 * in place of the NATS session actor).
 */
export async function natszkGateway(): Promise<System> {
  let gateway: GatewayProc | undefined;
  const { cluster, common } = await natszkEnsemble(() => (gateway ? [gateway.proc] : []));
  gateway = await startGateway(cluster, { tickMs: 2000 });
  // The gateway is this system's one session actor: the one the ensemble started with goes.
  await cluster.sessions[0]!.stop();
  cluster.sessions.length = 0;
  return {
    name: 'natszk gateway',
    durability: 'fsync on a quorum before the ack',
    ...zooKeeperClients(gateway.connect),
    ...common,
  };
}

// ---------- ZooKeeper ----------

export function zkCall<T>(f: (cb: (err: Error | null, r: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => f((err, r) => (err ? reject(err) : resolve(r))));
}

export async function zkConnect(connectString: string): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 30_000, spinDelay: 100 });
  const connected = new Promise<void>((resolve, reject) => {
    client.once('connected', resolve);
    setTimeout(() => reject(new Error('ZooKeeper did not accept a connection within 20 s')), 20_000).unref();
  });
  client.connect();
  await connected;
  return client;
}

/** The load generator's side of a system that speaks ZooKeeper's protocol: node-zookeeper-client connections. */
function zooKeeperClients(connectString: string): Pick<System, 'connect' | 'ephemeralChurn' | 'watchLatency'> {
  return {
    connect: async () => {
      const c = await zkConnect(connectString);
      return {
        create: (p, d) => zkCall<string>((cb) => c.create(p, Buffer.from(d), zookeeper.CreateMode.PERSISTENT, cb)).then(() => undefined),
        set: (p, d) => zkCall((cb) => c.setData(p, Buffer.from(d), -1, cb)).then(() => undefined),
        get: (p) => new Promise((resolve, reject) => c.getData(p, undefined, (err) => (err ? reject(err) : resolve()))),
        close: async () => c.close(),
      };
    },
    ephemeralChurn: async (path) => {
      const c = await zkConnect(connectString);
      await zkCall<string>((cb) => c.create(path, Buffer.alloc(0), zookeeper.CreateMode.EPHEMERAL, cb));
      c.close();
    },
    watchLatency: async (rounds) => {
      const [writer, watcher] = [await zkConnect(connectString), await zkConnect(connectString)];
      await zkCall<string>((cb) => writer.create('/bench-watch', Buffer.from('0'), zookeeper.CreateMode.PERSISTENT, cb)).catch(() => undefined);
      // The watcher's server may not have applied the create yet (ZooKeeper's reads may lag).
      while (!(await zkCall<unknown>((cb) => watcher.exists('/bench-watch', cb)))) await sleep(10);
      const out: number[] = [];
      for (let i = 0; i < rounds; i++) {
        // ZooKeeper's watches are one-shot (this client has no persistent ones): arm, change, hear.
        let armed: () => void = () => {};
        const isArmed = new Promise<void>((r) => { armed = r; });
        let sentAt = 0;
        const event = new Promise<void>((resolve, reject) => watcher.getData('/bench-watch', () => { out.push(performance.now() - sentAt); resolve(); }, (err) => (err ? reject(err) : armed())));
        await isArmed;
        sentAt = performance.now();
        await zkCall((cb) => writer.setData('/bench-watch', Buffer.from(String(i)), -1, cb));
        await event;
      }
      writer.close();
      watcher.close();
      return out;
    },
  };
}

export async function apacheZooKeeper(dir: string): Promise<System> {
  const ensemble: ZooKeeperEnsemble = await startZooKeeper(dir);
  let killed: number | undefined;
  return {
    name: 'ZooKeeper',
    durability: 'fsync on a quorum before the ack',
    ...zooKeeperClients(ensemble.connectString),
    killLeader: async () => {
      killed = await ensemble.leader();
      if (killed !== undefined) await ensemble.kill(killed);
    },
    heal: async () => {
      if (killed === undefined) return;
      ensemble.start(killed);
      killed = undefined;
      await sleep(3000);
    },
    stop: () => ensemble.stop(),
    pids: () => ensemble.pids(),
  };
}

// ---------- JetStream KV ----------

const kvKey = (path: string) => path.slice(1).replace(/\//g, '.');

export async function jetStreamKv(dir: string): Promise<System> {
  const cluster: JetStreamCluster = await startJetStream(dir);
  const open = async (): Promise<{ nc: NatsConnection; kv: KV }> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      let nc: NatsConnection | undefined;
      try {
        nc = await natsConnect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
        const kv = await nc.jetstream().views.kv('bench', { replicas: 3, history: 1 });
        return { nc, kv };
      } catch (err) {
        // A connection whose bucket was not ready yet would otherwise reconnect for ever.
        await nc?.close();
        if (Date.now() > deadline) throw new Error(`JetStream KV did not come up: ${(err as Error).message}`);
        await sleep(250);
      }
    }
  };
  let killed: number | undefined;
  return {
    name: 'JetStream KV',
    durability: 'a quorum holds it in memory; flushed to disk lazily (sync_interval, 2 min by default)',
    connect: async () => {
      const { nc, kv } = await open();
      return {
        create: async (p, d) => { await kv.create(kvKey(p), d); },
        set: async (p, d) => { await kv.put(kvKey(p), d); },
        get: async (p) => { await kv.get(kvKey(p)); },
        close: () => nc.close(),
      };
    },
    watchLatency: async (rounds) => {
      const [writer, watcher] = [await open(), await open()];
      const out: number[] = [];
      let sentAt = 0;
      let heard = () => {};
      const updates = await watcher.kv.watch({ key: 'bench-watch', include: 'updates' as never });
      void (async () => { for await (const _ of updates) { out.push(performance.now() - sentAt); heard(); } })();
      for (let i = 0; i < rounds; i++) {
        const event = new Promise<void>((r) => { heard = r; });
        sentAt = performance.now();
        await writer.kv.put('bench-watch', new TextEncoder().encode(String(i)));
        await event;
      }
      updates.stop();
      await writer.nc.close();
      await watcher.nc.close();
      return out;
    },
    killLeader: async () => {
      const { nc } = await open();
      const info = await (await nc.jetstreamManager()).streams.info('KV_bench');
      await nc.close();
      killed = cluster.names.indexOf(info.cluster?.leader ?? '');
      if (killed >= 0) await cluster.kill(killed);
    },
    heal: async () => {
      if (killed === undefined || killed < 0) return;
      cluster.start(killed);
      killed = undefined;
      await sleep(3000);
    },
    stop: () => cluster.stop(),
    pids: () => cluster.pids(),
  };
}
