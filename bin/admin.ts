// `natszk admin <word>`: ZooKeeper's four-letter words over NATS, asked of every natszk
// process of the ensemble at once (voting servers and session actors each answer what
// concerns them), printed one block per process.

import { parseArgs } from 'node:util';
import { decode, encode } from '../transport/codec.js';
import { NatsBus } from '../transport/nats-bus.js';
import { ADMIN_COMMANDS, type AdminReply } from './admin-words.js';
import { COMMON_FLAGS, COMMON_HELP, commonOptions, UsageError } from './config.js';

export const ADMIN_HELP = `usage: natszk admin <word> --nats URL [settings] [--json]

ZooKeeper's four-letter words, answered by every voting server and session actor:
  ruok   imok from each live process
  srvr   version, zxid, mode (leader, follower, session), node count, latency
  stat   srvr, and each session actor's sessions
  mntr   key<TAB>value lines (zk_server_state, zk_znode_count, zk_follower_N_lag, ...)
  cons   the sessions each session actor holds
  dump   sessions and their ephemeral nodes (voting servers)
  wchs   watches held by each session actor
  envi   each process's environment
Exit 1 if no process answers.

${COMMON_HELP}`;

export async function runAdmin(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...COMMON_FLAGS, json: { type: 'boolean' } } });
  if (values.help) {
    console.log(ADMIN_HELP);
    return 0;
  }
  const [word] = positionals;
  if (!word || !(ADMIN_COMMANDS as readonly string[]).includes(word)) throw new UsageError(`admin: say one of ${ADMIN_COMMANDS.join(', ')}${word ? `, not '${word}'` : ''}`);
  const common = commonOptions(values);
  const bus = await NatsBus.connect({ servers: common.nats, name: 'natszk-admin', auth: common.auth });
  try {
    const answers = (await bus.gather(common.subjects.admin, encode({ cmd: word }), 500))
      .map((a) => decode(a) as AdminReply)
      .sort((a, b) => `${a.kind} ${a.from}`.localeCompare(`${b.kind} ${b.from}`));
    if (answers.length === 0) {
      process.stderr.write(`no natszk process of ensemble '${common.ensemble}' answered on ${common.nats.join(',')}\n`);
      return 1;
    }
    if (values.json) {
      console.log(JSON.stringify(answers, null, 2));
      return 0;
    }
    for (const a of answers) {
      if ('error' in a) process.stderr.write(`${a.from}: ${a.error}\n`);
      else if (a.text !== null) console.log(`--- ${a.kind === 'server' ? a.from : `session actor ${a.from}`}\n${a.text}`);
    }
    return 0;
  } finally {
    await bus.close();
  }
}
