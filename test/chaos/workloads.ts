// Workloads recorded as histories (invocation and completion times, outcome or unknown):
// a compare-and-set register, an ephemeral-node lock, sequential creates and a set of
// acknowledged writes. Each runs its own clients, with sessions of their own, that start a
// new session when theirs expires.

import { ZkError, type Client } from '../../client/index.js';
import type { Cluster } from '../harness/processes.js';
import type { Operation } from '../linearize/checker.js';
import type { ZnodeInput, ZnodeOutput } from '../linearize/znode-model.js';

export type ZnodeOp = Operation<ZnodeInput, ZnodeOutput>;
const MODEL_ERRORS = new Set(['NONODE', 'NODEEXISTS', 'BADVERSION']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const ROOT = '/chaos';
export const REGISTERS = ['/chaos/reg-0', '/chaos/reg-1', '/chaos/reg-2'];
export const LOCK = '/chaos/lock';

/** One client of a workload; its session may expire under faults, and then it opens another. */
export class Worker {
  zk?: Client;
  /** call time of the latest operation that succeeded on the current session: it was alive then */
  private lastOkCall = 0;
  /** the current session may hold the lock: it created it (or may have) and has not deleted it */
  private mayHoldLock = false;
  ops = 0;

  constructor(readonly id: number, private readonly cluster: Cluster, private readonly history: ZnodeOp[], private readonly stopped: () => boolean) {}

  /** A live session, opening a new one if the last expired. */
  async client(): Promise<Client | undefined> {
    if (this.zk && this.zk.sessionState !== 'expired') return this.zk;
    if (this.zk) await this.endSession();
    while (!this.stopped()) {
      try {
        this.zk = await this.cluster.client({ sessionTimeout: 2000, requestTimeout: 2000 });
        this.lastOkCall = performance.now();
        return this.zk;
      } catch {
        await sleep(100);
      }
    }
    return undefined;
  }

  /**
   * Runs one recorded operation. A reply with a code the model knows is an outcome; any other
   * failure leaves the outcome unknown, as Jepsen treats a timeout.
   */
  async run(input: ZnodeInput, call: () => Promise<ZnodeOutput>, read = false): Promise<ZnodeOutput | undefined> {
    const op: ZnodeOp = { client: this.id, input, call: performance.now(), ret: Infinity };
    this.ops++;
    try {
      op.output = await call();
    } catch (err) {
      if (err instanceof ZkError && MODEL_ERRORS.has(err.codeName)) op.output = { ok: false, error: err.codeName as 'NONODE' };
      else if (!(err instanceof ZkError)) throw err;
    }
    if (op.output) {
      op.ret = performance.now();
      this.lastOkCall = Math.max(this.lastOkCall, op.call);
    }
    if (input.path === LOCK && input.op === 'create' && (op.output === undefined || op.output.ok)) this.mayHoldLock = true;
    if (input.path === LOCK && input.op === 'delete' && op.output?.ok) this.mayHoldLock = false;
    // A read with no answer changed nothing: it is left out. A write with no answer may have happened.
    if (op.output || !read) this.history.push(op);
    return op.output;
  }

  /**
   * The session ends (expired, or closed at the end): if it may hold the lock, the ensemble
   * deletes the node at some moment after the session was last known alive.
   */
  async endSession(): Promise<void> {
    const zk = this.zk;
    this.zk = undefined;
    if (this.mayHoldLock) this.history.push({ client: this.id, input: { op: 'delete', path: LOCK, version: -1 }, call: this.lastOkCall, ret: Infinity });
    this.mayHoldLock = false;
    await zk?.close().catch(() => undefined);
  }
}

const text = (data: Uint8Array) => Buffer.from(data).toString();

/** sync + getData: ZooKeeper's linearizable read (everything committed before the sync is seen). */
export async function readNode(zk: Client, path: string): Promise<ZnodeOutput> {
  await zk.sync(path);
  const { data, stat } = await zk.getData(path);
  return { ok: true, data: text(data), version: stat.version };
}

/** getData (after sync) and setData at the version last seen, on a few registers. */
export async function casRegister(w: Worker, random: () => number, stopped: () => boolean): Promise<void> {
  const seen = new Map<string, number>();
  for (let n = 0; !stopped(); n++) {
    const zk = await w.client();
    if (!zk) return;
    const path = REGISTERS[Math.floor(random() * REGISTERS.length)]!;
    if (random() < 0.5) {
      const out = await w.run({ op: 'getData', path }, () => readNode(zk, path), true);
      if (out?.ok && out.version !== undefined) seen.set(path, out.version);
    } else {
      const data = `w${w.id}-${n}`;
      const version = random() < 0.1 ? -1 : seen.get(path) ?? 0;
      const out = await w.run({ op: 'setData', path, data, version }, async () => ({ ok: true, version: (await zk.setData(path, data, version)).version }));
      if (out?.ok && out.version !== undefined) seen.set(path, out.version);
    }
  }
}

/** An ephemeral node as a lock: create it to hold, delete it to release; a failed create reads who holds it. */
export async function ephemeralLock(w: Worker, random: () => number, stopped: () => boolean): Promise<void> {
  for (let n = 0; !stopped(); n++) {
    const zk = await w.client();
    if (!zk) return;
    const data = `w${w.id}-s${zk.sessionId}-${n}`;
    const got = await w.run({ op: 'create', path: LOCK, data }, async () => {
      await zk.create(LOCK, data, { mode: 'ephemeral' });
      return { ok: true };
    });
    if (got?.ok) {
      await sleep(10 + random() * 40);
      await w.run({ op: 'delete', path: LOCK, version: -1 }, async () => {
        await zk.delete(LOCK, -1);
        return { ok: true };
      });
    } else if (got) {
      await w.run({ op: 'getData', path: LOCK }, () => readNode(zk, LOCK), true);
      await sleep(10 + random() * 20);
    }
  }
}

/** Creates whose names the ensemble picks (sequential) or the client picks (the set); the acknowledged ones. */
export async function creates(w: Worker, sequential: boolean, acked: string[], unknown: { count: number }, stopped: () => boolean): Promise<void> {
  for (let n = 0; !stopped(); n++) {
    const zk = await w.client();
    if (!zk) return;
    const path = sequential ? `${ROOT}/seq/n-` : `${ROOT}/set/w${w.id}-${n}`;
    w.ops++;
    try {
      acked.push(await zk.create(path, path, { mode: sequential ? 'persistentSequential' : 'persistent' }));
    } catch (err) {
      if (!(err instanceof ZkError)) throw err;
      unknown.count++;
    }
  }
}
