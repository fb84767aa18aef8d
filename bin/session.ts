// `natszk session`: one session actor in this process.

import { parseArgs } from 'node:util';
import { SessionActor } from '../actors/session/session-actor.js';
import { isValidSuperDigest } from '../storage/acl.js';
import { NatsBus } from '../transport/nats-bus.js';
import { COMMON_FLAGS, COMMON_HELP, commonOptions, effectiveMaxData, logger, positiveInt, UsageError } from './config.js';
import { latencyRecorder, sessionWords } from './admin-words.js';
import { sessionMetrics } from './metrics.js';
import { observe, VERSION } from './observe.js';
import { untilSignal } from './server.js';

export const SUPER_DIGEST_HELP = `  --super-digest D        user:base64(sha1(user:password)): a session that authenticates with
                          addAuth digest user:password passes every ACL (ZooKeeper's superDigest)`;

/** --super-digest, checked: the same for session actors and gateways. */
export function superDigestOption(value: string | undefined): string | undefined {
  if (value !== undefined && !isValidSuperDigest(value)) throw new UsageError('--super-digest must be user:base64(sha1(user:password))');
  return value;
}

export const SESSION_HELP = `usage: natszk session --nats URL [settings]

Runs a session actor: holds client sessions, serves reads from its replica, forwards writes.
Session timeouts are clamped to [2, 20] ticks.
  --request-timeout MS    how long a write may wait for the leader (default 10000)
  --drain-timeout MS      on SIGTERM, how long to wait for clients to move their sessions to
                          other actors before stopping (default 5000)
${SUPER_DIGEST_HELP}

${COMMON_HELP}`;

export async function runSession(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...COMMON_FLAGS, 'request-timeout': { type: 'string' }, 'drain-timeout': { type: 'string' }, 'super-digest': { type: 'string' } } });
  if (values.help) return void console.log(SESSION_HELP);
  const superDigest = superDigestOption(values['super-digest']);
  const common = commonOptions(values);
  const log = logger('session', common.logFormat);
  const bus = await NatsBus.connect({ servers: common.nats, name: 'natszk-session', auth: common.auth });
  bus.onError((code) => log(`NATS refused a message or subscription: ${code}; check this user's permissions (deploy/nats/natszk-permissions.conf)`));
  const metrics = sessionMetrics();
  const { latency, record } = latencyRecorder();
  const actor = await SessionActor.start({
    bus,
    subjects: common.subjects,
    limits: { maxDataBytes: effectiveMaxData(common.maxDataBytes, bus.maxPayload, log) },
    tickMs: common.tickMs,
    requestTimeoutMs: positiveInt(common.get('request-timeout'), 'request-timeout', 10_000),
    log,
    superDigest,
    onServed: (op, seconds) => {
      metrics.onServed(op, seconds);
      record(seconds);
    },
  });
  const stopObserving = await observe(bus, common.subjects, {
    kind: 'session',
    id: actor.actorId,
    words: sessionWords(actor, () => latency, VERSION),
    stats: () => ({ ...actor.stats(), latencyMs: latency }),
    metrics: metrics.register(actor),
  }, { ensemble: common.ensemble, metricsPort: common.metricsPort, log });
  await untilSignal();
  log(`stopping session actor ${actor.actorId}: moving its ${actor.sessionCount} sessions to other actors`);
  await actor.drain(positiveInt(common.get('drain-timeout'), 'drain-timeout', 5000));
  await stopObserving();
  await actor.stop();
  await bus.close();
}
