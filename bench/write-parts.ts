// A natszk write taken apart: how many NATS messages and log flushes each create costs in a
// 3-server ensemble, and the CPU of every process while it runs. Two passes, so the subscriber
// that counts messages is not in the CPU figure.

import { connect as natsConnect } from 'nats';
import { Cluster } from '../test/harness/processes.js';
import { cpuMs, ownCpuMs } from './cpu.js';
import { measure, progress } from './load.js';

export interface WriteCount {
  concurrency: number;
  writesPerSecond: number;
  /** by hop: client ↔ session actor, session actor → leader, leader ↔ followers, committed stream, replies */
  messagesPerWrite: Record<string, number>;
  flushesPerWrite: number;
  /** ms a flush took on average, the three servers flushing on one disk under this load */
  flushMs: number;
  cpuMicrosPerWrite: number;
}

const HOPS = ['to session actor', 'to leader', 'leader ↔ followers', 'committed stream', 'replies'] as const;

/** Which hop of a write a subject is (the reply inboxes carry both the session actor's and the leader's answers). */
function hop(subject: string): string {
  if (subject.startsWith('_INBOX.')) return 'replies';
  if (/\.session\./.test(subject)) return 'to session actor';
  if (/\.proposer\./.test(subject)) return 'to leader';
  if (/\.peer\./.test(subject)) return 'leader ↔ followers';
  if (subject.endsWith('.committed')) return 'committed stream';
  return 'other';
}

export async function countWrite(concurrency: number, seconds: number): Promise<WriteCount> {
  progress(`a 3-server natszk ensemble: creates at concurrency ${concurrency}, ${seconds} s to time them and ${seconds} s to count their messages`);
  const cluster = await Cluster.start({ servers: 3, sessions: 1, tick: 2000, metrics: true });
  try {
    await cluster.settled();
    const clients = await Promise.all(Array.from({ length: concurrency }, () => cluster.client()));
    const value = new Uint8Array(32).fill(120);
    const create = (tag: string) => (w: number, i: number) => clients[w]!.create(`/${tag}-${w}-${i}`, value);
    /** every server's log flushes and the seconds they took, summed */
    const flushes = async () => {
      let count = 0;
      let seconds = 0;
      for (const s of cluster.servers) {
        const text = await cluster.scrapeMetrics(s.name);
        count += Number(/^natszk_log_flushes_total\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? NaN);
        seconds += Number(/^natszk_log_flush_seconds_total\{[^}]*\} (\S+)$/m.exec(text)?.[1] ?? NaN);
      }
      return { count, seconds };
    };
    const pids = [...cluster.servers, ...cluster.sessions].map((p) => p.child.pid!).concat(cluster.nats.map((n) => n.pid));
    await measure(concurrency, 2, create('warm'));

    const flushesBefore = await flushes();
    const cpuBefore = cpuMs(pids) + ownCpuMs();
    const timed = await measure(concurrency, seconds, create('timed'));
    const cpu = cpuMs(pids) + ownCpuMs() - cpuBefore;
    const flushesAfter = await flushes();
    const flushed = flushesAfter.count - flushesBefore.count;

    const tap = await natsConnect({ servers: cluster.url });
    const messages: Record<string, number> = {};
    tap.subscribe('>', { callback: (_err, m) => { const h = hop(m.subject); messages[h] = (messages[h] ?? 0) + 1; } });
    await tap.flush();
    for (const k of Object.keys(messages)) delete messages[k];
    const counted = await measure(concurrency, seconds, create('counted'));
    await tap.flush();
    await tap.close();
    for (const c of clients) await c.close();
    return {
      concurrency,
      writesPerSecond: timed.opsPerSecond,
      messagesPerWrite: Object.fromEntries(HOPS.map((h) => [h, (messages[h] ?? 0) / counted.count])),
      flushesPerWrite: flushed / timed.count,
      flushMs: ((flushesAfter.seconds - flushesBefore.seconds) * 1000) / flushed,
      cpuMicrosPerWrite: (cpu * 1000) / timed.count,
    };
  } finally {
    await cluster.stop();
  }
}
