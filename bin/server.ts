// `natszk server`: one voting server in this process.

import { parseArgs } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../actors/clock.js';
import { ElectionActor } from '../actors/server/election-actor.js';
import { RoleActor } from '../actors/server/role-actor.js';
import { VotingServer } from '../actors/server/voting-server.js';
import { ServerStore } from '../storage/lmdb-store.js';
import { NatsBus } from '../transport/nats-bus.js';
import { COMMON_FLAGS, COMMON_HELP, commonOptions, effectiveMaxData, logger, positiveInt, UsageError } from './config.js';
import { environment, serverWords } from './admin-words.js';
import { serverMetrics } from './metrics.js';
import { observe, VERSION, type Observed } from './observe.js';

/** The actors a voting server can run one per process (`--actor`). */
export const SPLIT_ACTORS = ['election', 'proposer', 'follower'] as const;
export type SplitActor = (typeof SPLIT_ACTORS)[number];

export const SERVER_HELP = `usage: natszk server --id N --nats URL [--voters 1,2,3] [--data DIR] [--actor A] [settings]

Runs voting server N of the ensemble: its election, proposer and follower-sync actors in this
process, or with --actor just one of them, so that each runs (and restarts) in its own process
on the same data directory.
  --actor A             all (default), election, proposer or follower
  --id N                this server's id (1..255); 'from-hostname': the number that ends the
                        host name, plus one (a StatefulSet's pod natszk-server-0 is server 1)
  --voters LIST         comma-separated ids of all voting servers (default: just --id)
  --data DIR            data directory; LMDB lives in DIR (default ./natszk-data/server-N)
  --snapshot-every N    snapshot after N/2 to N committed transactions, drawn at random each
                        time so that servers do not all snapshot at once (default 100000)
  --keep-snapshots K    snapshots kept; the log before the oldest is purged (default 3)
  --max-data BYTES      largest znode data (default 1048576)
  --peer-tick MS        election re-sends, leader pings, liveness checks (default 100)
  --sync-limit N        peer ticks of silence before a follower drops its leader or a leader
                        its quorum (default 10)
  --init-limit N        peer ticks a new leader may take to gather its quorum (default 50)
  --container-check MS  how often the leader removes empty container nodes and expired TTL
                        nodes (default 10000; ZooKeeper's is 60000, but the check only looks
                        at those nodes, so it can run often)

${COMMON_HELP}`;

export async function runServer(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_FLAGS, id: { type: 'string' }, actor: { type: 'string' }, voters: { type: 'string' }, data: { type: 'string' }, 'snapshot-every': { type: 'string' }, 'keep-snapshots': { type: 'string' },
      'peer-tick': { type: 'string' }, 'sync-limit': { type: 'string' }, 'init-limit': { type: 'string' }, 'container-check': { type: 'string' } },
  });
  if (values.help) return void console.log(SERVER_HELP);
  const common = commonOptions(values);
  const get = common.get;
  const id = serverId(get('id'));
  const votersSetting = get('voters');
  const voters = (votersSetting ?? String(id)).split(',').map((v) => positiveInt(v.trim(), 'voters', 0));
  if (!voters.includes(id)) throw new UsageError(`--voters ${votersSetting} does not include --id ${id}`);
  const actor = get('actor') ?? 'all';
  if (actor !== 'all' && !(SPLIT_ACTORS as readonly string[]).includes(actor)) throw new UsageError(`--actor ${actor}: expected all, ${SPLIT_ACTORS.join(', ')}`);
  const log = logger(actor === 'all' ? `server ${id}` : `server ${id} ${actor}`, common.logFormat);
  const bus = await NatsBus.connect({ servers: common.nats, name: `natszk-server-${id}${actor === 'all' ? '' : `-${actor}`}`, auth: common.auth });
  bus.onError((code) => log(`NATS refused a message or subscription: ${code}; check this user's permissions (deploy/nats/natszk-permissions.conf)`));
  const dataDir = get('data') ?? path.join('natszk-data', `server-${id}`);
  const keepSnapshots = positiveInt(get('keep-snapshots'), 'keep-snapshots', 3);
  const opts = {
    serverId: id,
    voters,
    bus,
    subjects: common.subjects,
    snapshotEvery: positiveInt(get('snapshot-every'), 'snapshot-every', 100_000),
    maxDataBytes: effectiveMaxData(common.maxDataBytes, bus.maxPayload, log),
    peerTickMs: positiveInt(get('peer-tick'), 'peer-tick', 100),
    syncLimitTicks: positiveInt(get('sync-limit'), 'sync-limit', 10),
    initLimitTicks: positiveInt(get('init-limit'), 'init-limit', 50),
    reapEveryMs: positiveInt(get('container-check'), 'container-check', 10_000),
    log,
    clock: systemClock,
  };
  let stop: () => Promise<void>;
  let observed: Observed;
  if (actor === 'all') {
    const server = await VotingServer.start({ ...opts, dataDir, keepSnapshots });
    stop = () => server.stop();
    observed = { kind: 'server', id: `server ${id}`, words: serverWords(server, VERSION), stats: () => ({ ...server.status() }), metrics: serverMetrics(server) };
  } else {
    const store = await ServerStore.open(dataDir, { keepSnapshots });
    const split = actor === 'election' ? new ElectionActor(opts, store) : new RoleActor(opts, actor as 'proposer' | 'follower', store);
    split.start();
    stop = async () => {
      await split.stop();
      await store.close();
    };
    // The split actors report only that they live; the one-process server answers the rest.
    observed = { kind: 'server', id: `server ${id} ${actor}`, words: { ruok: () => 'imok', envi: () => environment(VERSION) }, stats: () => ({ actor }), metrics: () => undefined };
  }
  const stopObserving = await observe(bus, common.subjects, observed, { ensemble: common.ensemble, metricsPort: common.metricsPort, log });
  log(`serving (${actor === 'all' ? 'all actors' : `the ${actor} actor`}, data in ${dataDir})`);
  await untilSignal();
  log('stopping');
  await stopObserving();
  await stop();
  await bus.close();
}

/** --id N, or from-hostname: a StatefulSet names its pods <name>-0, <name>-1, ... */
function serverId(setting: string | undefined): number {
  if (setting === undefined) throw new UsageError('--id N is required');
  if (setting !== 'from-hostname') {
    const id = positiveInt(setting, 'id', 0);
    if (id > 255) throw new UsageError('--id must be at most 255');
    return id;
  }
  const m = /-(\d+)$/.exec(os.hostname());
  if (!m) throw new UsageError(`--id from-hostname: the host name '${os.hostname()}' does not end in -<number>`);
  return Number(m[1]) + 1;
}

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
