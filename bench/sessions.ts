// Session-actor figures for a 3-server ensemble: getData/s with 1, 2 and 4 session actor
// processes (clients spread over them by the session queue group), watch notification
// latency (setData by one client to the event at another), and the time for 10,000
// sessions to open.
// Run: npm run bench:sessions   (options: --seconds S --sessions N)

import { parseArgs } from 'node:util';
import type { Client } from '../client/index.js';
import { Cluster } from '../test/harness/processes.js';
import { decode, encode } from '../transport/codec.js';
import { NatsBus } from '../transport/nats-bus.js';
import { Subjects } from '../transport/subjects.js';
import { drive, percentile, progress } from './load.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, sessions: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 10);
const SESSIONS = Number(values.sessions ?? 10_000);
const CONCURRENCY = 64;

async function reads(actors: number): Promise<string> {
  const cluster = await Cluster.start({ servers: 3, sessions: actors, tick: 2000 });
  try {
    // One client per 8 workers, each with a session of its own, spread over the actors.
    const clients: Client[] = [];
    for (let i = 0; i < CONCURRENCY / 8; i++) clients.push(await cluster.client());
    await clients[0]!.create('/bench', 'x'.repeat(256));
    await Promise.all(clients.map((c) => c.sync()));
    const spread = new Set(clients.map((c) => c.actor)).size;
    const row = await drive(`getData, ${actors} session actor${actors > 1 ? 's' : ''} (clients on ${spread})`, CONCURRENCY, SECONDS, (w) => clients[w % clients.length]!.getData('/bench'));
    for (const c of clients) await c.close();
    return row;
  } finally {
    await cluster.stop();
  }
}

async function watchLatency(): Promise<string> {
  const cluster = await Cluster.start({ servers: 3, sessions: 2, tick: 2000 });
  try {
    const writer = await cluster.client();
    const watcher = await cluster.client();
    await writer.create('/watched', '0');
    const latencies: number[] = [];
    let sentAt = 0;
    let heard: () => void = () => {};
    await watcher.addWatch('/watched', () => { latencies.push(performance.now() - sentAt); heard(); });
    progress(`watch latency: 1,000 changes (writer on ${writer.actor}, watcher on ${watcher.actor})`);
    for (let i = 0; i < 1000; i++) {
      const event = new Promise<void>((r) => { heard = r; });
      sentAt = performance.now();
      await writer.setData('/watched', String(i));
      await event;
    }
    latencies.sort((a, b) => a - b);
    await writer.close();
    await watcher.close();
    return `| watch notification (setData to event at another client) | 1 | ${latencies.length} events | p50 ${percentile(latencies, 0.5).toFixed(2)} ms | p99 ${percentile(latencies, 0.99).toFixed(2)} ms |`;
  } finally {
    await cluster.stop();
  }
}

async function openSessions(): Promise<string> {
  const cluster = await Cluster.start({ servers: 3, sessions: 2, tick: 2000 });
  try {
    const bus = await NatsBus.connect({ servers: cluster.url });
    const subjects = new Subjects(cluster.ensemble);
    progress(`opening ${SESSIONS} sessions, 64 at a time`);
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < SESSIONS) {
        const i = next++;
        const reply = decode(await bus.request(subjects.sessionOpen, encode({ timeout: 40_000 }), 30_000)) as { sessionId?: number };
        if (!reply.sessionId) throw new Error(`session open failed: ${JSON.stringify(reply)}`);
        if (i % 2000 === 0) progress(`  ${i}/${SESSIONS}`);
      }
    }));
    const ms = performance.now() - started;
    await bus.close();
    return `| open ${SESSIONS} sessions | 64 | ${Math.round(SESSIONS / (ms / 1000))} /s | ${(ms / 1000).toFixed(2)} s total | |`;
  } finally {
    await cluster.stop();
  }
}

const rows: string[] = [];
for (const actors of [1, 2, 4]) rows.push(await reads(actors));
rows.push(await watchLatency());
rows.push(await openSessions());
console.log('| workload | conc. | ops/s | p50 ms | p99 ms |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
