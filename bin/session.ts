// `natszk session`: one session actor in this process.

import { parseArgs } from 'node:util';
import { SessionActor } from '../actors/session/session-actor.js';
import { NatsBus } from '../transport/nats-bus.js';
import { Subjects } from '../transport/subjects.js';
import { COMMON_FLAGS, commonOptions, effectiveMaxData, logger, positiveInt } from './config.js';
import { untilSignal } from './server.js';

export const SESSION_HELP = `usage: natszk session --nats URL [options]

Runs a session actor: holds client sessions, serves reads from its replica, forwards writes.
  --nats URL              NATS server URL (env NATSZK_NATS)
  --ensemble NAME         ensemble name (default 'default')
  --tick MS               base time unit (default 2000); session timeouts are clamped to [2, 20] ticks
  --request-timeout MS    how long a write may wait for the leader (default 10000)
  --max-data BYTES        largest znode data (default 1048576)`;

export async function runSession(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...COMMON_FLAGS, 'request-timeout': { type: 'string' } } });
  if (values.help) return void console.log(SESSION_HELP);
  const common = commonOptions(values);
  const log = logger('session');
  const bus = await NatsBus.connect({ servers: common.nats, name: 'natszk-session' });
  const actor = await SessionActor.start({
    bus,
    subjects: new Subjects(common.ensemble),
    limits: { maxDataBytes: effectiveMaxData(common.maxDataBytes, bus.maxPayload, log) },
    tickMs: common.tickMs,
    requestTimeoutMs: positiveInt(values['request-timeout'], 'request-timeout', 10_000),
    log,
  });
  await untilSignal();
  log(`stopping session actor ${actor.actorId}`);
  await actor.stop();
  await bus.close();
}
