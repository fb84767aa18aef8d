// Clients of a simulated ensemble whose history is checked for linearizability: each sends
// one operation at a time straight to the leader's write subject (as a session actor
// forwards them) on a few shared paths: creates, versioned setData and delete, and version
// checks (a multi of one check: a read ordered with the writes). Every operation is recorded
// with its invocation and completion times; one that timed out, or failed with an error that
// does not prove it had no effect, has an unknown outcome, as Jepsen treats it.

import { decode, encode } from '../../transport/codec.js';
import { isErrorReply, type WriteBatchReply, type WriteOutcome } from '../../transport/messages.js';
import type { LeaderOp } from '../../transport/ops.js';
import { writeBatchForm } from '../../transport/write-batch.js';
import { parseWriteBatchReply } from '../../transport/write-outcome.js';
import type { Subjects } from '../../transport/subjects.js';
import { NoRespondersError } from '../../transport/bus.js';
import type { Operation } from '../linearize/checker.js';
import type { ZnodeInput, ZnodeOutput } from '../linearize/znode-model.js';
import type { MemNet } from './mem-bus.js';
import type { Scheduler } from './scheduler.js';

/** Errors that prove the operation changed nothing: the leader checked it and refused it. */
const DEFINITE = new Set(['NONODE', 'NODEEXISTS', 'BADVERSION']);
const PATHS = ['/r0', '/r1', '/r2'];

export type History = Operation<ZnodeInput, ZnodeOutput>[];

export function startRegisterClients(net: MemNet, sched: Scheduler, subjects: Subjects, count: number): { history: History; stop(): void } {
  const history: History = [];
  let stopped = false;
  let value = 0;
  for (let client = 0; client < count; client++) {
    const bus = net.bus('client');
    const seen = new Map<string, number>();
    const next = () => {
      if (stopped) return;
      const path = PATHS[Math.floor(sched.random() * PATHS.length)]!;
      const known = seen.get(path);
      const guess = known === undefined || sched.random() < 0.2 ? Math.floor(sched.random() * 4) - 1 : known;
      const r = sched.random();
      const input: ZnodeInput = r < 0.15 ? { op: 'create', path, data: `v${++value}` }
        : r < 0.55 ? { op: 'setData', path, data: `v${++value}`, version: guess }
        : r < 0.65 ? { op: 'delete', path, version: guess }
        : { op: 'check', path, version: guess };
      const op: Operation<ZnodeInput, ZnodeOutput> = { client, input, call: sched.now, ret: Infinity };
      history.push(op);
      bus.request(subjects.proposerWrite, encode(writeBatchForm([{ sessionId: 0, op: toWire(input) }])), 400).then((raw) => {
        const outcome = (parseWriteBatchReply(decode(raw)) as WriteBatchReply).outcomes?.[0];
        const output = outcome && toOutput(outcome);
        if (output) {
          op.ret = sched.now;
          op.output = output;
          if (output.ok && output.version !== undefined) seen.set(path, output.version);
          if (output.ok && input.op === 'delete') seen.delete(path);
        }
      }, (err) => {
        // Nobody was serving writes: the operation went nowhere.
        if (err instanceof NoRespondersError) history.splice(history.indexOf(op), 1);
      }).finally(() => sched.after(8 + sched.random() * 16, next));
    };
    sched.after(sched.random() * 20, next);
  }
  return { history, stop: () => { stopped = true; } };
}

function toWire(input: ZnodeInput): LeaderOp {
  const data = (s: string) => new TextEncoder().encode(s);
  switch (input.op) {
    case 'create': return { op: 'create', path: input.path, data: data(input.data), mode: 0, ttlMs: 0 };
    case 'setData': return { op: 'setData', path: input.path, data: data(input.data), version: input.version };
    case 'delete': return { op: 'delete', path: input.path, version: input.version };
    case 'check': return { op: 'multi', ops: [{ op: 'check', path: input.path, version: input.version }] };
    default: throw new Error(`the simulated clients do not send ${input.op}`);
  }
}

function toOutput(outcome: WriteOutcome): ZnodeOutput | undefined {
  if (isErrorReply(outcome)) {
    return DEFINITE.has(outcome.error) ? { ok: false, error: outcome.error as 'NONODE' | 'NODEEXISTS' | 'BADVERSION' } : undefined;
  }
  const result = outcome.result;
  if (result.type === 'setData') return { ok: true, version: result.stat.version };
  if (result.type === 'create') return { ok: true, version: result.stat.version };
  return { ok: true };
}
