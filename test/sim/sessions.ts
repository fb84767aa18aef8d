// Sessions in a simulated ensemble, played the way a session actor plays them: open
// (createSession), an ephemeral node each, batched touches while the client is there, and
// silence once it leaves. At the end: an ephemeral node exists exactly while its session
// lives; a session left alone for its timeout is gone, with its node; and a session opened
// once the storm was over and touched ever since was never expired.

import { decode, encode } from '../../transport/codec.js';
import { isErrorReply, type WriteBatchReply } from '../../transport/messages.js';
import type { LeaderOp } from '../../transport/ops.js';
import { writeBatchForm } from '../../transport/write-batch.js';
import { parseWriteBatchReply } from '../../transport/write-outcome.js';
import type { Subjects } from '../../transport/subjects.js';
import type { DataTree } from '../../storage/data-tree.js';
import type { MemNet } from './mem-bus.js';
import type { Scheduler } from './scheduler.js';

const TIMEOUT_MS = 400;

interface SimSession {
  id: number;
  openedAt: number;
  leftAt?: number;
  /** the ephemeral node's create was acknowledged */
  ephemeral: boolean;
}

export function startSessionClients(net: MemNet, sched: Scheduler, subjects: Subjects, calmFrom: number) {
  const bus = net.bus('client');
  const sessions: SimSession[] = [];
  let opening = true;
  const write = (sessionId: number, op: LeaderOp) =>
    bus.request(subjects.proposerWrite, encode(writeBatchForm([{ sessionId, op }])), 400).then((raw) => (parseWriteBatchReply(decode(raw)) as WriteBatchReply).outcomes?.[0]);

  const open = () => {
    if (!opening) return;
    sched.after(150 + sched.random() * 200, open);
    void write(0, { op: 'createSession', timeoutMs: TIMEOUT_MS, secretHash: 'sim' }).then((outcome) => {
      if (!outcome || isErrorReply(outcome) || outcome.result.type !== 'createSession') return;
      const s: SimSession = { id: outcome.result.sessionId, openedAt: sched.now, ephemeral: false };
      sessions.push(s);
      // Some clients go away after a while and never come back.
      if (sched.random() < 0.3) sched.after(100 + sched.random() * 600, () => { s.leftAt ??= sched.now; });
      return write(s.id, { op: 'create', path: `/e${s.id}`, data: new Uint8Array(), mode: 1, ttlMs: 0 }).then((created) => {
        if (created && !isErrorReply(created)) s.ephemeral = true;
      });
    }).catch(() => undefined);
  };
  sched.after(100, open);
  let touching = true;
  const touch = () => {
    if (!touching) return;
    const present = sessions.filter((s) => s.leftAt === undefined).map((s) => s.id);
    if (present.length > 0) bus.publish(subjects.proposerTouch, encode({ sessions: present }));
    sched.after(50, touch);
  };
  sched.after(50, touch);

  return {
    stopOpening: () => { opening = false; },
    stop: () => { touching = false; bus.crash(); },
    count: () => sessions.length,
    /** What the final tree must show of these sessions. */
    check(tree: DataTree, end: number): string[] {
      const out: string[] = [];
      for (const s of sessions) {
        const alive = tree.sessions.has(s.id);
        const node = tree.has(`/e${s.id}`);
        if (node && !alive) out.push(`ephemeral /e${s.id} outlived its session`);
        if (alive && s.ephemeral && !node) out.push(`session 0x${s.id.toString(16)} lives but its acknowledged ephemeral node is gone`);
        if (s.leftAt !== undefined && s.leftAt + TIMEOUT_MS + 500 < end && alive) out.push(`session 0x${s.id.toString(16)} left at ${s.leftAt.toFixed(0)} ms and never expired`);
        if (s.leftAt === undefined && s.openedAt > calmFrom && !alive) out.push(`session 0x${s.id.toString(16)} was expired while its client kept touching it in calm`);
      }
      return out;
    },
  };
}
