// How an operator sees a natszk process: it registers with the NATS services API ($SRV.PING,
// INFO, STATS), answers ZooKeeper's four-letter words on natszk.<ensemble>.admin, and serves
// Prometheus metrics over HTTP when given a port.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { decode, encode } from '../transport/codec.js';
import type { NatsBus } from '../transport/nats-bus.js';
import type { Subjects } from '../transport/subjects.js';
import { ADMIN_COMMANDS, type AdminCommand, type AdminReply } from './admin-words.js';

export const VERSION = '0.1.0';

export interface Observed {
  kind: 'server' | 'session';
  /** 'server 2', or the session actor's id */
  id: string;
  words: Partial<Record<AdminCommand, () => string>>;
  /** what $SRV.STATS shows of it */
  stats: () => Record<string, unknown>;
  /** registers its metrics; gauges read the actor when scraped */
  metrics: (registry: Registry) => void;
}

/** Starts all three; returns how to stop them. */
export async function observe(bus: NatsBus, subjects: Subjects, what: Observed, opts: { ensemble: string; metricsPort?: number; log: (m: string) => void }): Promise<() => Promise<void>> {
  const stopService = await bus.addService({
    name: `natszk-${what.kind}`,
    version: VERSION,
    description: what.kind === 'server' ? 'natszk voting server (election, proposer, follower-sync)' : 'natszk session actor (client sessions, reads, watches)',
    metadata: { ensemble: opts.ensemble, id: what.id },
    endpoint: { name: 'admin', subject: subjects.admin, queue: `admin-${randomBytes(6).toString('hex')}`, handle: async (data) => encode(answer(what, data)) },
    stats: what.stats,
  });
  let server: http.Server | undefined;
  if (opts.metricsPort !== undefined) {
    const registry = new Registry();
    registry.setDefaultLabels({ ensemble: opts.ensemble, instance_id: what.id });
    collectDefaultMetrics({ register: registry });
    what.metrics(registry);
    server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('natszk serves /metrics\n');
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(`${err.message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', (err) => reject(new Error(`cannot serve metrics on port ${opts.metricsPort}: ${err.message}`)));
      server!.listen(opts.metricsPort, resolve);
    });
    // With --metrics-port 0 the system picks the port, so the log says which one it picked.
    opts.log(`metrics on http://0.0.0.0:${(server.address() as AddressInfo).port}/metrics`);
  }
  return async () => {
    await stopService();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  };
}

function answer(what: Observed, data: Uint8Array): AdminReply {
  let cmd: unknown;
  try {
    cmd = (decode(data) as { cmd?: unknown }).cmd;
  } catch {
    cmd = undefined;
  }
  if (typeof cmd !== 'string' || !(ADMIN_COMMANDS as readonly string[]).includes(cmd)) {
    return { from: what.id, kind: what.kind, error: `unknown command ${JSON.stringify(cmd)}; one of ${ADMIN_COMMANDS.join(', ')}` };
  }
  const word = what.words[cmd as AdminCommand];
  return { from: what.id, kind: what.kind, text: word ? word() : null };
}
