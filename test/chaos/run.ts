// A chaos run: a 3-server ensemble with 2 session actors on a cluster of 3 nats-servers,
// the four workloads running while the nemesis injects faults, then every check: the
// register and lock histories linearizable, no sequence number handed out twice, every
// acknowledged create present with its data, and every server holding the same tree.

import { check } from '../linearize/checker.js';
import { znodeModel } from '../linearize/znode-model.js';
import { Cluster } from '../harness/processes.js';
import { rng } from '../sim/scheduler.js';
import { FAULTS, Nemesis, sleep, type Fault } from './nemesis.js';
import { casRegister, creates, ephemeralLock, readNode, REGISTERS, ROOT, Worker, type ZnodeOp } from './workloads.js';

export interface ChaosOptions {
  seconds: number;
  seed: number;
  log: (message: string) => void;
}

export interface ChaosReport {
  seconds: number;
  seed: number;
  faults: Record<Fault, number>;
  operations: { register: number; lock: number; sequential: number; set: number };
  /** writes whose outcome was unknown (no reply under a fault) */
  unknown: number;
  checked: { linearizable: number; acknowledgedCreates: number };
  anomalies: string[];
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const random = rng(opts.seed);
  opts.log(`starting 3 nats-servers (a NATS cluster), 3 voting servers, 2 session actors; seed ${opts.seed}`);
  const cluster = await Cluster.start({ servers: 3, sessions: 2, natsServers: 3, tick: 500 });
  const anomalies: string[] = [];
  try {
    let stop = false;
    const stopped = () => stop;
    const history: ZnodeOp[] = [];
    const setup = new Worker(0, cluster, history, () => false);
    const zk = (await setup.client())!;
    for (const dir of [ROOT, `${ROOT}/seq`, `${ROOT}/set`]) await zk.create(dir);
    for (const path of REGISTERS) {
      await setup.run({ op: 'create', path, data: 'init' }, async () => {
        await zk.create(path, 'init');
        return { ok: true };
      });
    }
    await setup.endSession();

    let id = 1;
    const workers = (n: number) => Array.from({ length: n }, () => new Worker(id++, cluster, history, stopped));
    const register = workers(3);
    const lock = workers(3);
    const sequential = workers(2);
    const set = workers(2);
    const seqAcked: string[] = [];
    const setAcked: string[] = [];
    const unknownCreates = { count: 0 };
    const running = [
      ...register.map((w) => casRegister(w, rng(opts.seed + w.id), stopped)),
      ...lock.map((w) => ephemeralLock(w, rng(opts.seed + w.id), stopped)),
      ...sequential.map((w) => creates(w, true, seqAcked, unknownCreates, stopped)),
      ...set.map((w) => creates(w, false, setAcked, unknownCreates, stopped)),
    ];

    const nemesis = new Nemesis(cluster, random, { pauseMs: [2500, 4000], downMs: [500, 3000], log: (m) => opts.log(`fault ${m}`) });
    const started = Date.now();
    const progress = setInterval(() => {
      const ops = [...register, ...lock, ...sequential, ...set].reduce((a, w) => a + w.ops, 0);
      opts.log(`${Math.round((Date.now() - started) / 1000)}/${opts.seconds} s: ${ops} operations, ${[...nemesis.injected.values()].reduce((a, b) => a + b, 0)} faults`);
    }, 15_000);
    await sleep(1000); // the workloads under way before the first fault
    const faults = nemesis.run(stopped, [1000, 3000]);
    await sleep(opts.seconds * 1000);
    stop = true;
    clearInterval(progress);
    opts.log('stopping: healing the last fault, letting the workloads finish');
    await faults;
    await Promise.all(running);
    for (const w of [...register, ...lock, ...sequential, ...set]) await w.endSession();

    opts.log('final reads');
    await cluster.waitServing(60_000);
    const reader = new Worker(id++, cluster, history, () => false);
    const final = (await reader.client())!;
    for (const path of REGISTERS) {
      await reader.run({ op: 'getData', path }, () => readNode(final, path), true);
    }
    const seqChildren = await final.getChildren(`${ROOT}/seq`);
    const setChildren = new Set(await final.getChildren(`${ROOT}/set`));
    if (new Set(seqAcked).size !== seqAcked.length) anomalies.push(`a sequence number was handed out twice: ${seqAcked.filter((p, i) => seqAcked.indexOf(p) !== i).join(', ')}`);
    const seqPresent = new Set(seqChildren.map((c) => `${ROOT}/seq/${c}`));
    const seqLost = seqAcked.filter((p) => !seqPresent.has(p));
    if (seqLost.length > 0) anomalies.push(`acknowledged sequential creates lost: ${seqLost.slice(0, 10).join(', ')} (${seqLost.length})`);
    const setLost = setAcked.filter((p) => !setChildren.has(p.slice(`${ROOT}/set/`.length)));
    if (setLost.length > 0) anomalies.push(`acknowledged creates lost: ${setLost.slice(0, 10).join(', ')} (${setLost.length})`);
    for (let i = 0; i < setAcked.length; i += 200) {
      const batch = setAcked.slice(i, i + 200).filter((p) => !setLost.includes(p));
      const results = await final.multiRead(batch.map((path) => ({ op: 'getData' as const, path })));
      results.forEach((r, j) => {
        if (r.type !== 'getData' || Buffer.from(r.data).toString() !== batch[j]) anomalies.push(`${batch[j]} does not hold what was written: ${JSON.stringify(r)}`);
      });
    }
    await reader.endSession();

    opts.log(`checking ${history.length} register and lock operations for linearizability`);
    const verdict = check(znodeModel, history, { timeoutMs: 120_000 });
    if (!verdict.ok) anomalies.push(verdict.explanation ?? 'not linearizable');

    opts.log('waiting for every server to hold the same tree');
    const agreed = await sameTree(cluster);
    if (agreed) anomalies.push(agreed);

    return {
      seconds: opts.seconds,
      seed: opts.seed,
      faults: Object.fromEntries(FAULTS.map((f) => [f, nemesis.injected.get(f)!])) as Record<Fault, number>,
      operations: {
        register: register.reduce((a, w) => a + w.ops, 0),
        lock: lock.reduce((a, w) => a + w.ops, 0),
        sequential: sequential.reduce((a, w) => a + w.ops, 0),
        set: set.reduce((a, w) => a + w.ops, 0),
      },
      unknown: history.filter((o) => o.ret === Infinity).length + unknownCreates.count,
      checked: { linearizable: history.length, acknowledgedCreates: seqAcked.length + setAcked.length },
      anomalies,
    };
  } finally {
    await cluster.stop();
  }
}

/** undefined once all servers report the same committed zxid and znode count; else what differs after 30 s. */
async function sameTree(cluster: Cluster): Promise<string | undefined> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const statuses = await cluster.statuses().catch(() => []);
    const shapes = new Set(statuses.map((s) => `${s.lastCommittedZxid}/${s.nodeCount}`));
    if (statuses.length === 3 && shapes.size === 1) return undefined;
    if (Date.now() > deadline) return `the servers do not agree: ${JSON.stringify(statuses.map((s) => ({ id: s.serverId, role: s.role, committed: s.lastCommittedZxid, znodes: s.nodeCount })))}`;
    await sleep(200);
  }
}

/** The report as the markdown table `npm run chaos` prints. */
export function formatReport(r: ChaosReport): string {
  const lines = [
    `verdict: ${r.anomalies.length === 0 ? 'OK' : `${r.anomalies.length} ANOMALIES`} (seed ${r.seed}, ${r.seconds} s under faults)`,
    '',
    '| fault | injected |',
    '|---|---|',
    ...FAULTS.map((f) => `| ${f} | ${r.faults[f]} |`),
    '',
    '| workload | operations |',
    '|---|---|',
    `| CAS register (sync+getData, setData at a version) | ${r.operations.register} |`,
    `| ephemeral-node lock | ${r.operations.lock} |`,
    `| sequential creates | ${r.operations.sequential} |`,
    `| set of acknowledged creates | ${r.operations.set} |`,
    '',
    `checked: ${r.checked.linearizable} register and lock operations for linearizability, ${r.checked.acknowledgedCreates} acknowledged creates present; ${r.unknown} writes had an unknown outcome`,
  ];
  for (const a of r.anomalies) lines.push(`ANOMALY: ${a}`);
  return lines.join('\n');
}
