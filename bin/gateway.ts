// `natszk gateway`: a session actor that also speaks ZooKeeper's own TCP protocol, so that
// ZooKeeper clients (zkCli.sh, Curator, kazoo, node-zookeeper-client) need only a new connect
// string. Its sessions are natszk sessions: a client may resume one on any other gateway.

import { parseArgs } from 'node:util';
import { Gateway } from '../actors/gateway/gateway.js';
import { gatewayWord } from '../actors/gateway/words.js';
import { SessionActor } from '../actors/session/session-actor.js';
import { NatsBus } from '../transport/nats-bus.js';
import { latencyRecorder, sessionWords } from './admin-words.js';
import { COMMON_FLAGS, COMMON_HELP, commonOptions, effectiveMaxData, logger, positiveInt, UsageError } from './config.js';
import { sessionMetrics } from './metrics.js';
import { observe, VERSION } from './observe.js';
import { untilSignal } from './server.js';
import { SUPER_DIGEST_HELP, superDigestOption } from './session.js';

export const GATEWAY_HELP = `usage: natszk gateway --listen HOST:PORT --nats URL [settings]

Serves ZooKeeper clients over ZooKeeper's wire protocol: a session actor (its own replica,
reads served here, writes forwarded to the leader) that accepts ZooKeeper TCP connections.
Run several and give clients all of them in their connect string. Session timeouts are
clamped to [2, 20] ticks. ACLs are ZooKeeper's (world, auth, digest, ip: a client's address
is its connection's); auth packets of the digest scheme authenticate.
  --listen HOST:PORT      where ZooKeeper clients connect (default 127.0.0.1:2181)
  --request-timeout MS    how long a write may wait for the leader (default 10000)
  --drain-timeout MS      on SIGTERM, how long to wait for clients to move to other
                          gateways before stopping (default 5000)
${SUPER_DIGEST_HELP}

${COMMON_HELP}`;

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port > 65535) throw new UsageError(`--listen must be HOST:PORT, got '${value}'`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

export async function runGateway(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...COMMON_FLAGS, listen: { type: 'string' }, 'request-timeout': { type: 'string' }, 'drain-timeout': { type: 'string' }, 'super-digest': { type: 'string' } } });
  if (values.help) return void console.log(GATEWAY_HELP);
  const superDigest = superDigestOption(values['super-digest']);
  const common = commonOptions(values);
  const listen = parseListen(common.get('listen') ?? '127.0.0.1:2181');
  const log = logger('gateway', common.logFormat);
  const bus = await NatsBus.connect({ servers: common.nats, name: 'natszk-gateway', auth: common.auth });
  bus.onError((code) => log(`NATS refused a message or subscription: ${code}; check this user's permissions (deploy/nats/natszk-permissions.conf)`));
  const metrics = sessionMetrics();
  const { latency, record } = latencyRecorder();
  const limits = { maxDataBytes: effectiveMaxData(common.maxDataBytes, bus.maxPayload, log) };
  const actor = await SessionActor.start({
    bus,
    subjects: common.subjects,
    limits,
    tickMs: common.tickMs,
    requestTimeoutMs: positiveInt(common.get('request-timeout'), 'request-timeout', 10_000),
    log,
    superDigest,
    // NATS clients open their sessions on session actors; this one's sessions come over TCP.
    natsEntryPoints: false,
    onServed: (op, seconds) => {
      metrics.onServed(op, seconds);
      record(seconds);
    },
  });
  const words = sessionWords(actor, () => latency, VERSION);
  let gateway: Gateway | undefined;
  const conf = () => ({
    clientPort: listen.port,
    clientPortAddress: listen.host,
    tickTime: common.tickMs,
    minSessionTimeout: actor.timeoutRange.min,
    maxSessionTimeout: actor.timeoutRange.max,
    maxClientCnxns: 0,
    serverId: actor.actorId,
    natsServers: common.nats.join(','),
    ensemble: common.ensemble,
    subjectPrefix: common.subjects.prefix,
  });
  gateway = await Gateway.listen({
    core: actor,
    limits,
    host: listen.host,
    port: listen.port,
    log,
    word: (word) => gatewayWord(word, { session: words, clients: () => gateway?.clients() ?? [], conf }),
  });
  const stopObserving = await observe(bus, common.subjects, {
    kind: 'session',
    id: actor.actorId,
    words,
    stats: () => ({ ...actor.stats(), latencyMs: latency, zookeeperClients: gateway?.clients().length ?? 0 }),
    metrics: metrics.register(actor),
  }, { ensemble: common.ensemble, metricsPort: common.metricsPort, log });
  const at = gateway.address;
  log(`gateway ${actor.actorId} serving ZooKeeper clients on ${at.host}:${at.port}`);
  await untilSignal();
  log(`stopping gateway ${actor.actorId}: its ${actor.sessionCount} sessions move to other gateways`);
  // Stop accepting first, so the clients told to move cannot come back here.
  const stoppedListening = gateway.stopListening();
  await actor.drain(positiveInt(common.get('drain-timeout'), 'drain-timeout', 5000));
  await gateway.close();
  await stoppedListening;
  await stopObserving();
  await actor.stop();
  await bus.close();
}
