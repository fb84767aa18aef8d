// Sends writes to the leader in batches: everything queued in one turn of the event loop
// travels in one message, which is how a write path of several NATS hops keeps up.

import { ZkError } from '../../storage/errors.js';
import { NoRespondersError, RequestTimeoutError, type Bus } from '../../transport/bus.js';
import { decode, encode } from '../../transport/codec.js';
import { errorReply, isErrorReply, type ForwardedWrite, type WriteOutcome } from '../../transport/messages.js';
import { writeBatchForm } from '../../transport/write-batch.js';
import { parseWriteBatchReply } from '../../transport/write-outcome.js';
import type { Subjects } from '../../transport/subjects.js';

interface Queued {
  write: ForwardedWrite;
  resolve: (o: WriteOutcome) => void;
}

/** A batch sent and not yet answered, with what is known of the leader it went to. */
interface InFlight {
  batch: Queued[];
  sentAt: number;
  /** the leader epoch the committed stream showed when it left */
  epoch: number;
}

/** How long a batch may wait before the forwarder asks whether its leader is still there. */
const PROBE_AFTER_MS = 25;
const EMPTY_BATCH = encode({ writes: [] });

const MAX_BATCH = 1000;

function writeBytes(w: ForwardedWrite): number {
  const op = w.op;
  const ops = op.op === 'multi' ? op.ops : [op];
  let bytes = 128;
  for (const o of ops) bytes += 128 + ('data' in o ? o.data.length : 0) + ('path' in o ? o.path.length * 3 : 0) + ('acl' in o && o.acl ? aclBytes(o.acl) : 0);
  return bytes + (w.auth ? aclBytes(w.auth) : 0);
}

function aclBytes(entries: readonly { scheme: string; id: string }[]): number {
  let bytes = 0;
  for (const e of entries) bytes += 32 + (e.scheme.length + e.id.length) * 3;
  return bytes;
}

export class WriteForwarder {
  private queue: Queued[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<InFlight>();
  private prober?: NodeJS.Timeout;
  private probing = false;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    /** How long a write may wait for a leader (no responders) or for its commit. */
    private readonly timeoutMs: number,
    /** the newest leader epoch this actor has heard of */
    private readonly leaderEpoch: () => number = () => 0,
  ) {}

  forward(write: ForwardedWrite): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ write, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const budget = this.bus.maxPayload - 64 * 1024;
    let batch: Queued[] = [];
    let bytes = 0;
    for (const q of this.queue) {
      const size = writeBytes(q.write);
      if (batch.length > 0 && (batch.length >= MAX_BATCH || bytes + size > budget)) {
        void this.send(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(q);
      bytes += size;
    }
    this.queue = [];
    if (batch.length > 0) void this.send(batch);
  }

  private async send(batch: Queued[]): Promise<void> {
    const payload = encode(writeBatchForm(batch.map((q) => q.write)));
    const deadline = Date.now() + this.timeoutMs;
    // No responders is answered at once, so retrying often costs little and finds a new leader sooner.
    for (let wait = 5; ; wait = Math.min(wait * 2, 20)) {
      const flight: InFlight = { batch, sentAt: Date.now(), epoch: this.leaderEpoch() };
      this.track(flight);
      try {
        const reply = parseWriteBatchReply(decode(await this.bus.request(this.subjects.proposerWrite, payload, Math.max(1, deadline - Date.now()))));
        this.inFlight.delete(flight);
        if (isErrorReply(reply)) return this.failAll(batch, reply);
        batch.forEach((q, i) => q.resolve(reply.outcomes[i] ?? errorReply(new ZkError('SYSTEMERROR', 'leader gave no outcome'))));
        return;
      } catch (err) {
        this.inFlight.delete(flight);
        // Nobody received it, so it is safe to send again once a leader is serving.
        if (err instanceof NoRespondersError && Date.now() + wait < deadline) {
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        const reason = err instanceof RequestTimeoutError
          ? new ZkError('CONNECTIONLOSS', 'no answer from the leader in time; the write may or may not have happened')
          : err instanceof NoRespondersError
            ? new ZkError('CONNECTIONLOSS', 'no leader is serving; retry later')
            : new ZkError('CONNECTIONLOSS', (err as Error).message);
        return this.failAll(batch, errorReply(reason));
      }
    }
  }

  private failAll(batch: Queued[], outcome: WriteOutcome): void {
    for (const q of batch) q.resolve(outcome);
  }

  private track(flight: InFlight): void {
    this.inFlight.add(flight);
    this.prober ??= setInterval(() => void this.probe(), PROBE_AFTER_MS);
  }

  /**
   * A leader that died (kill -9, a lost host) never answers what it had: rather than keep
   * those writes waiting out the whole timeout, ask the write subject whether anybody serves
   * it. Nobody (NATS says so at once), or a newer epoch on the committed stream, means the
   * leader that has the batch is gone: its writes fail with CONNECTIONLOSS, outcome unknown,
   * as ZooKeeper's clients hear when their server loses its leader.
   */
  private async probe(): Promise<void> {
    if (this.inFlight.size === 0) {
      clearInterval(this.prober);
      this.prober = undefined;
      return;
    }
    if (this.probing) return;
    const started = Date.now();
    const waiting = [...this.inFlight].filter((f) => started - f.sentAt >= PROBE_AFTER_MS);
    if (waiting.length === 0) return;
    this.probing = true;
    let gone = waiting.filter((f) => this.leaderEpoch() > f.epoch);
    try {
      // Short: a probe that went to a leader as it died is never answered, and no other probe
      // goes while it waits. Only 'no responders' counts; a slow answer says nothing.
      await this.bus.request(this.subjects.proposerWrite, EMPTY_BATCH, 2 * PROBE_AFTER_MS);
    } catch (err) {
      if (err instanceof NoRespondersError) gone = waiting;
    } finally {
      this.probing = false;
    }
    const reason = errorReply(new ZkError('CONNECTIONLOSS', 'the leader went away before answering; the write may or may not have happened'));
    for (const f of gone) {
      if (!this.inFlight.delete(f)) continue;
      this.failAll(f.batch, reason);
    }
  }
}
