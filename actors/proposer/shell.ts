// The proposer's shell on the leader: takes write batches from session actors off NATS,
// feeds the machine, makes its log writes durable before they count as the leader's ack,
// publishes commits to the replicas and answers each batch once all its writes are decided.

import type { Bus, Subscription } from '../../transport/bus.js';
import { decode, encode, encodeWithItems } from '../../transport/codec.js';
import { encodeEntry } from '../../transport/log-entry.js';
import { parseWriteBatch } from '../../transport/write-batch.js';
import { writeBatchReplyForm } from '../../transport/write-outcome.js';
import { errorReply, parseTouches, type Limits, type WriteBatchReply, type WriteOutcome, type CommittedBatch } from '../../transport/messages.js';
import type { Subjects } from '../../transport/subjects.js';
import type { LogEntry } from '../../storage/txn.js';
import type { Store } from '../../storage/store.js';
import { ZkError } from '../../storage/errors.js';
import { Proposer, type ProposerInput, type ProposerOutput, type ProposerWrite } from './machine.js';
import { chunkEntries } from '../server/chunking.js';
import type { Clock } from '../clock.js';

interface PendingBatch {
  reply: string;
  outcomes: (WriteOutcome | undefined)[];
  remaining: number;
}

interface BatchTarget {
  batch: PendingBatch;
  index: number;
}

export interface ProposerShellHooks {
  /** Proposals for the followers, with the commit point they carry. */
  onPropose(prevZxid: number, committedZxid: number, entries: LogEntry[]): void;
  /** Called after entries committed and were applied to the tree; drained: nothing proposed is left uncommitted. */
  onCommit(entries: LogEntry[], drained: boolean): void;
  /** Called when the machine must give up leadership. */
  onStepDown(reason: string): void;
  /** Called when the leader's own log write failed: it cannot go on leading. */
  onFatal(err: Error): void;
}

export class ProposerShell {
  private readonly subs: Subscription[] = [];
  private stopped = false;
  /** stepping down: new batches are refused at once, what is in flight may still commit */
  private refusing = false;
  /**
   * Writes of the batches NATS handed over together, fed to the machine as one: one proposal
   * and one log write for them all, not one per session actor's batch.
   */
  private arrived: ProposerWrite[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly machine: Proposer,
    private readonly store: Store,
    private readonly limits: Limits,
    private readonly leader: { serverId: number; epoch: number },
    private readonly clock: Clock,
    private readonly hooks: ProposerShellHooks,
  ) {}

  start(): void {
    this.subs.push(this.bus.subscribe(this.subjects.proposerWrite, (msg) => this.onBatch(msg.data, msg.reply)));
    this.subs.push(this.bus.subscribe(this.subjects.proposerTouch, (msg) => {
      try {
        this.feed({ kind: 'touch', sessionIds: parseTouches(decode(msg.data)), now: this.clock.now() });
      } catch {
        // A malformed touch vouches for nobody.
      }
    }));
  }

  /** Called every tick: heartbeat to the replicas and session expiry. */
  tick(): void {
    if (this.stopped) return;
    this.bus.publish(this.subjects.committed, encode({ ...this.committedHeader(this.machine.lastCommittedZxid), entries: [] } satisfies CommittedBatch));
    this.feed({ kind: 'tick', now: this.clock.now() });
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.subs) s.unsubscribe();
    const targets = [...this.machine.abandon(), ...this.arrived.map((w) => w.target)];
    this.arrived = [];
    for (const t of targets) this.settle(t as BatchTarget, errorReply(new ZkError('CONNECTIONLOSS', 'leader stopped; retry')));
  }

  /** Lets the server feed acks from followers into the same machine. */
  feed(input: ProposerInput): void {
    if (this.stopped) return;
    this.perform(this.machine.step(input));
  }

  /** Refuse new writes (their clients retry on the next leader) and say how many are still in flight. */
  refuseNewWrites(): void {
    this.refusing = true;
  }

  get outstanding(): number { return this.machine.outstanding; }

  private onBatch(data: Uint8Array, reply: string | undefined): void {
    if (!reply || this.stopped) return;
    if (this.refusing) {
      this.bus.publish(reply, encode(errorReply(new ZkError('CONNECTIONLOSS', 'the leader is stepping down; retry'))));
      return;
    }
    let batch;
    try {
      batch = parseWriteBatch(decode(data), this.limits);
    } catch (err) {
      const z = err instanceof ZkError ? err : new ZkError('MARSHALLINGERROR', (err as Error).message);
      this.bus.publish(reply, encode(errorReply(z)));
      return;
    }
    const pending: PendingBatch = { reply, outcomes: new Array(batch.writes.length), remaining: batch.writes.length };
    if (pending.remaining === 0) {
      this.bus.publish(reply, encode({ outcomes: [] } satisfies WriteBatchReply));
      return;
    }
    // The other messages of the same read from the socket are dispatched before a microtask runs.
    if (this.arrived.length === 0) queueMicrotask(() => this.feedArrived());
    batch.writes.forEach((w, index) => this.arrived.push({ sessionId: w.sessionId, op: w.op, auth: w.auth, target: { batch: pending, index } satisfies BatchTarget }));
  }

  private feedArrived(): void {
    const writes = this.arrived;
    this.arrived = [];
    if (writes.length > 0) this.feed({ kind: 'writes', now: this.clock.now(), writes });
  }

  private perform(outputs: ProposerOutput[]): void {
    for (const o of outputs) {
      switch (o.kind) {
        case 'log': {
          const last = o.entries[o.entries.length - 1]!.zxid;
          this.store.appendLog(o.entries).then(
            () => this.feed({ kind: 'logged', zxid: last }),
            (err: Error) => this.hooks.onFatal(err),
          );
          break;
        }
        case 'propose':
          this.hooks.onPropose(o.prevZxid, o.committedZxid, o.entries);
          break;
        case 'commit':
          this.publishCommitted(o.prevZxid, o.entries);
          this.hooks.onCommit(o.entries, o.drained);
          break;
        case 'answer':
          // Expiry has nobody waiting for its answer.
          if (o.target) this.settle(o.target as BatchTarget, o.outcome);
          break;
        case 'stepDown':
          this.hooks.onStepDown(o.reason);
          break;
      }
    }
  }

  private publishCommitted(prevZxid: number, entries: LogEntry[]): void {
    let prev = prevZxid;
    for (const part of chunkEntries(entries, this.bus.maxPayload)) {
      this.bus.publish(this.subjects.committed, encodeWithItems(this.committedHeader(prev), 'entries', part.map(encodeEntry)));
      prev = part[part.length - 1]!.zxid;
    }
  }

  /** A CommittedBatch but its entries. */
  private committedHeader(prevZxid: number): Omit<CommittedBatch, 'entries'> {
    return { prevZxid, leader: this.leader.serverId, epoch: this.leader.epoch };
  }

  private settle(target: BatchTarget, outcome: WriteOutcome): void {
    const b = target.batch;
    if (b.outcomes[target.index] !== undefined) return;
    b.outcomes[target.index] = outcome;
    if (--b.remaining === 0) {
      this.bus.publish(b.reply, encode(writeBatchReplyForm({ outcomes: b.outcomes as WriteOutcome[] })));
    }
  }
}
