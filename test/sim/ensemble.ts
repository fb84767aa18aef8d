// One simulated run: an ensemble of real VotingServer shells over the in-memory bus and
// store, a client writing through the leader, and a seeded storm of faults (drops,
// duplicates, delays, symmetric and one-way partitions, crashes losing unflushed writes,
// restarts). Invariants are checked after every event; a violation ends the run with the
// seed and the trace that led to it.

import { VotingServer } from '../../actors/server/voting-server.js';
import { DataTree } from '../../storage/data-tree.js';
import type { LogEntry } from '../../storage/txn.js';
import { decode, encode } from '../../transport/codec.js';
import { isErrorReply, type PeerMessage, type WriteBatchReply } from '../../transport/messages.js';
import type { LeaderOp } from '../../transport/ops.js';
import { writeBatchForm } from '../../transport/write-batch.js';
import { parseWriteBatchReply } from '../../transport/write-outcome.js';
import { entryForm } from '../../transport/log-entry.js';
import { Subjects } from '../../transport/subjects.js';
import { MemNet, type MemBus } from './mem-bus.js';
import { Disk, MemStore } from './mem-store.js';
import { Scheduler } from './scheduler.js';
import { startRegisterClients } from './clients.js';
import { startSessionClients } from './sessions.js';
import { check } from '../linearize/checker.js';
import { znodeModel } from '../linearize/znode-model.js';

/** The identity the simulated writer holds, and the ACLs it gives and changes. */
const SIM_OWNER = { scheme: 'digest', id: 'sim:owner' };
const SIM_OWNER_ACL = [{ perms: 31, ...SIM_OWNER }];
const SIM_READ_ACL = [{ perms: 1, scheme: 'world', id: 'anyone' }, { perms: 31, ...SIM_OWNER }];

export interface SimOptions {
  seed: number;
  servers: number;
  /** virtual ms of faults, then of calm before the final checks */
  faultMs?: number;
  calmMs?: number;
  /** a scripted run in place of the random storm (see scenarios.ts) */
  scenario?: Scenario;
}

/** What a scenario can see and do while a run goes on. */
export interface SimContext {
  sched: Scheduler;
  net: MemNet;
  servers: number;
  log(message: string): void;
  crash(id: number): void;
  start(id: number): void;
  running(id: number): boolean;
  /** the server whose status says it leads, if any */
  leader(): number | undefined;
  store(id: number): MemStore | undefined;
  /** peer messages as servers publish them, decoded */
  onPeerMessage(fn: (from: number, msg: PeerMessage, subject: string) => void): void;
  /** after each simulated fsync of server id, before the writes it made durable are reported */
  onFlush(id: number, fn: (disk: Disk) => void): void;
  /** a violation the scenario found (or a sign it did not exercise what it is for) */
  fail(message: string): void;
}

export interface Scenario {
  name: string;
  /** arranges its faults; called once the servers were started */
  play(ctx: SimContext): void;
  /** whether this run reached the moment the scenario is about (its test counts them) */
  exercised(): boolean;
  /** client writes every this many virtual ms (default 25) */
  writeEveryMs?: number;
}

export interface SimResult {
  seed: number;
  servers: number;
  violations: string[];
  trace: string[];
  acked: number;
  /** operations of the linearizability-checked clients */
  checked: number;
  /** sessions opened */
  sessions: number;
  faults: number;
  events: number;
  /** a scenario's run reached its moment */
  exercised: boolean;
}

interface Node {
  id: number;
  disk: Disk;
  server?: VotingServer;
  bus?: MemBus;
  store?: MemStore;
  kill?: () => void;
  starting: boolean;
}

// Every server's tree applies through here, and a tree applies only committed transactions:
// one zxid must always mean one transaction, and none of them may ever be lost.
const appliedByZxid = new Map<number, string>();
const committedEntries = new Map<number, Uint8Array>();
let onApply: ((entry: LogEntry) => void) | undefined;
const realApply = DataTree.prototype.apply;
DataTree.prototype.apply = function (this: DataTree, entry: LogEntry) {
  const result = realApply.call(this, entry);
  onApply?.(entry);
  return result;
};

export async function simulate(opts: SimOptions): Promise<SimResult> {
  // A run throws tens of thousands of errors the protocol expects (a request timing out, a
  // conditional write refused) and never looks at their stacks: capturing them was a tenth of
  // the simulator's time. Restored before the result goes back to the test.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await run(opts);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

async function run(opts: SimOptions): Promise<SimResult> {
  const faultMs = opts.faultMs ?? 3000;
  const calmMs = opts.calmMs ?? 4000;
  const sched = new Scheduler(opts.seed);
  const net = new MemNet(sched);
  const subjects = new Subjects('sim');
  const trace: string[] = [];
  const violations: string[] = [];
  const log = (m: string) => { trace.push(`${sched.now.toFixed(1).padStart(8)} ${m}`); if (trace.length > 4000) trace.shift(); };
  const voters = Array.from({ length: opts.servers }, (_, i) => i + 1);
  const nodes: Node[] = voters.map((id) => ({ id, disk: new Disk(), starting: false }));
  let faults = 0;
  let events = 0;

  appliedByZxid.clear();
  committedEntries.clear();
  onApply = (entry) => {
    // In its logged form: a transaction parsed from the wire has its fields in another order.
    const txn = JSON.stringify(entryForm(entry)[3], (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    const seen = appliedByZxid.get(entry.zxid);
    if (seen === undefined) {
      appliedByZxid.set(entry.zxid, txn);
      committedEntries.set(entry.zxid, encode(entry));
    } else if (seen !== txn) violations.push(`zxid 0x${entry.zxid.toString(16)} applied as two different transactions`);
  };

  const start = (node: Node) => {
    if (node.server || node.starting) return;
    node.starting = true;
    const bus = net.bus(`s${node.id}`);
    const clock = sched.clock();
    const store = new MemStore(node.disk, sched, 2);
    node.bus = bus;
    node.store = store;
    store.onFlush = (disk) => flushHooks.get(node.id)?.(disk);
    node.kill = () => { clock.kill(); bus.crash(); store.crash(); };
    void VotingServer.start({
      serverId: node.id, voters, dataDir: `sim-${node.id}`, bus, subjects, snapshotEvery: 40, random: sched.random, keepSnapshots: 2,
      maxDataBytes: 1024, peerTickMs: 100, syncLimitTicks: 6, initLimitTicks: 30,
      log: (m) => log(`[s${node.id}] ${m}`), clock, openStore: async () => store,
    }).then((server) => {
      if (node.bus === bus) node.server = server;
    }).finally(() => { node.starting = false; });
  };

  const crash = (node: Node) => {
    node.kill?.();
    node.server = undefined;
    node.bus = undefined;
    node.starting = false;
    log(`[sim] crash s${node.id}`);
  };

  // The client: one create per write, through the leader's write subject, as a session actor sends them.
  const client = net.bus('client');
  const acked: { path: string; zxid: number }[] = [];
  /** acknowledged ACL changes: the node's final aversion must count each */
  const aclAcked = new Map<string, number>();
  let next = 0;
  const clientClock = sched.clock();
  clientClock.every(opts.scenario?.writeEveryMs ?? 25, () => {
    const path = `/k${next++}`;
    // Some nodes get an ACL at create and some have theirs replaced (setACL), so that the
    // servers' final trees, snapshots and sync streams must agree on ACLs too.
    const acl = next % 2 === 0 ? SIM_OWNER_ACL : SIM_READ_ACL;
    const op: LeaderOp = next % 5 === 0 && next > 2 ? { op: 'setACL', path: `/k${next - 3}`, acl, version: -1 }
      : { op: 'create', path, data: new Uint8Array([next & 0xff]), mode: 0, ttlMs: 0, ...(next % 3 === 0 ? { acl } : {}) };
    const batch = writeBatchForm([{ sessionId: 0, op, auth: [SIM_OWNER] }]);
    client.request(subjects.proposerWrite, encode(batch), 500).then((raw) => {
      const reply = parseWriteBatchReply(decode(raw)) as WriteBatchReply;
      const outcome = reply.outcomes?.[0];
      if (op.op === 'create' && outcome && !isErrorReply(outcome)) acked.push({ path, zxid: outcome.zxid });
      if (op.op === 'setACL' && outcome && !isErrorReply(outcome)) aclAcked.set(op.path, (aclAcked.get(op.path) ?? 0) + 1);
    }, () => undefined);
  });

  // Clients whose history of versioned writes and checks must be linearizable.
  const registers = startRegisterClients(net, sched, subjects, 3);
  // Sessions opened a second into the calm, once a leader is surely back, must never expire.
  const sessionClients = startSessionClients(net, sched, subjects, faultMs + 1000);

  // Leadership: at most one established leader per epoch, ever.
  const leaderOfEpoch = new Map<number, number>();
  const checkStep = () => {
    events++;
    for (const n of nodes) {
      const st = n.server?.status();
      if (!st || st.role !== 'leader') continue;
      const other = leaderOfEpoch.get(st.epoch);
      if (other === undefined) leaderOfEpoch.set(st.epoch, n.id);
      else if (other !== n.id) violations.push(`two leaders in epoch ${st.epoch}: s${other} and s${n.id}`);
    }
  };

  // Acks go in log order (ZOOKEEPER-4685): within one epoch, a follower never acks less than before.
  const peerHooks: ((from: number, msg: PeerMessage, subject: string) => void)[] = [];
  const lastAck = new Map<string, number>();
  peerHooks.push((from, msg) => {
    if (msg.type !== 'ack') return;
    const key = `${from}@${msg.epoch}`;
    if (msg.zxid < (lastAck.get(key) ?? 0)) violations.push(`s${from} acked 0x${msg.zxid.toString(16)} after 0x${lastAck.get(key)!.toString(16)} in epoch ${msg.epoch}`);
    lastAck.set(key, Math.max(msg.zxid, lastAck.get(key) ?? 0));
  });
  net.onPublish = (from, subject, data) => {
    if (!from.startsWith('s') || !subject.startsWith(`${subjects.prefix}.peer.`)) return;
    // Servers only publish messages the shells built; decoding without validating keeps the watch cheap.
    const msg = decode(data) as PeerMessage;
    if (typeof msg !== 'object' || msg === null) return;
    for (const h of peerHooks) h(Number(from.slice(1)), msg, subject);
  };
  const flushHooks = new Map<number, (disk: Disk) => void>();

  for (const n of nodes) start(n);

  const random = sched.random;
  if (opts.scenario) {
    const node = (id: number) => nodes[id - 1]!;
    opts.scenario.play({
      sched, net, servers: opts.servers,
      log: (m) => log(`[scenario] ${m}`),
      crash: (id) => crash(node(id)),
      start: (id) => {
        if (node(id).server || node(id).starting) return;
        log(`[sim] restart s${id}`);
        start(node(id));
      },
      running: (id) => node(id).server !== undefined,
      leader: () => nodes.find((n) => n.server?.status().role === 'leader')?.id,
      store: (id) => node(id).store,
      onPeerMessage: (fn) => peerHooks.push(fn),
      onFlush: (id, fn) => flushHooks.set(id, fn),
      fail: (m) => violations.push(m),
    });
  }
  // The storm, unless a scenario scripts the run.
  if (!opts.scenario) {
    net.faults.drop = random() * 0.08;
    net.faults.duplicate = random() * 0.04;
  }
  net.faults.maxDelayMs = 1 + random() * 30;
  for (let t = 200 + random() * 300; !opts.scenario && t < faultMs; t += 150 + random() * 500) {
    sched.at(t, () => {
      faults++;
      const node = nodes[Math.floor(random() * nodes.length)]!;
      const other = nodes[Math.floor(random() * nodes.length)]!;
      const r = random();
      if (r < 0.3) {
        if (node.server || node.starting) crash(node);
        else { log(`[sim] restart s${node.id}`); start(node); }
      } else if (r < 0.45 && node !== other) {
        log(`[sim] partition s${node.id} | s${other.id}`);
        net.faults.blocked.add(`s${node.id}>s${other.id}`).add(`s${other.id}>s${node.id}`);
      } else if (r < 0.55 && node !== other) {
        log(`[sim] one-way s${node.id} -> s${other.id} cut`);
        net.faults.blocked.add(`s${node.id}>s${other.id}`);
      } else if (r < 0.7) {
        log('[sim] heal partitions');
        net.faults.blocked.clear();
      } else if (r < 0.8) {
        log(`[sim] client cut from s${node.id}`);
        net.faults.blocked.add(`client>s${node.id}`);
      }
    });
  }
  sched.at(faultMs, () => {
    log('[sim] calm: heal, restart everything, no more loss');
    net.faults.blocked.clear();
    net.faults.drop = 0;
    net.faults.duplicate = 0;
    for (const n of nodes) start(n);
  });
  await sched.run(faultMs + calmMs, checkStep);
  clientClock.kill();
  registers.stop();
  sessionClients.stopOpening();
  await sched.run(faultMs + calmMs + 2000, checkStep);

  // Final: every server holds the same tree, and every acknowledged write is in it.
  const live = nodes.filter((n) => n.server);
  if (live.length !== nodes.length) violations.push(`only ${live.length}/${nodes.length} servers running after the calm`);
  const digests = new Set(live.map((n) => n.server!.tree.digest()));
  if (digests.size > 1) {
    violations.push(`servers disagree: ${live.map((n) => `s${n.id}@0x${n.server!.tree.lastAppliedZxid.toString(16)}`).join(' ')}`);
  }
  const roles = live.map((n) => n.server!.status().role);
  if (roles.filter((r) => r === 'leader').length !== 1) violations.push(`after the calm, roles are ${roles.join(',')}`);
  const finalTree = live[0]?.server?.tree;
  // A committed transaction is never lost: the final tree is every transaction any server ever
  // committed, applied in zxid order, and nothing else.
  const replay = new DataTree();
  for (const z of [...committedEntries.keys()].sort((a, b) => a - b)) realApply.call(replay, decode(committedEntries.get(z)!) as LogEntry);
  if (finalTree && digests.size === 1 && replay.digest() !== finalTree.digest()) {
    violations.push(`a committed transaction was lost: the final tree (0x${finalTree.lastAppliedZxid.toString(16)}) is not the ${committedEntries.size} transactions ever committed (0x${replay.lastAppliedZxid.toString(16)})`);
  }
  for (const a of acked) {
    if (finalTree && !finalTree.has(a.path)) violations.push(`acknowledged write ${a.path} (0x${a.zxid.toString(16)}) was lost`);
  }
  for (const [path, changes] of aclAcked) {
    if (finalTree?.has(path) && finalTree.stat(path).aversion < changes) violations.push(`acknowledged setACL of ${path} was lost (aversion ${finalTree.stat(path).aversion}, ${changes} acknowledged)`);
  }
  if (finalTree) violations.push(...sessionClients.check(finalTree, sched.now));
  sessionClients.stop();
  const linearizable = check(znodeModel, registers.history, { timeoutMs: 20_000 });
  if (!linearizable.ok) violations.push(`the clients' history (${registers.history.length} operations) is not linearizable${linearizable.timedOut ? ' (the check timed out)' : ''}: ${linearizable.explanation}`);
  // No hole in any server's log (ZOOKEEPER-4925): within an epoch, zxids follow one another.
  for (const n of nodes) {
    const zxids = n.disk.log.map(([z]) => z);
    for (let i = 1; i < zxids.length; i++) {
      const [a, b] = [zxids[i - 1]!, zxids[i]!];
      if (Math.floor(a / 2 ** 32) === Math.floor(b / 2 ** 32) && b !== a + 1) violations.push(`s${n.id}'s log jumps from 0x${a.toString(16)} to 0x${b.toString(16)}`);
    }
  }

  for (const n of nodes) n.kill?.();
  client.crash();
  onApply = undefined;
  net.onPublish = undefined;
  return { seed: opts.seed, servers: opts.servers, violations, trace, acked: acked.length, checked: registers.history.length, sessions: sessionClients.count(), faults, events, exercised: opts.scenario?.exercised() ?? true };
}
