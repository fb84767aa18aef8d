// `natszk status`: every voting server's view of the ensemble, as a table.

import { parseArgs } from 'node:util';
import { decode, encode } from '../transport/codec.js';
import type { ServerStatus } from '../transport/messages.js';
import { NatsBus } from '../transport/nats-bus.js';
import { formatZxid } from '../storage/zxid.js';
import { COMMON_FLAGS, COMMON_HELP, commonOptions } from './config.js';

export const STATUS_HELP = `usage: natszk status --nats URL [--ensemble NAME] [--json]

Prints each voting server's role, epoch, last logged and committed zxid, leader, znodes and
sessions (and, on the leader, each follower's acknowledged zxid). Exit 1 if none answers.

${COMMON_HELP}`;

export async function runStatus(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...COMMON_FLAGS, json: { type: 'boolean' } } });
  if (values.help) {
    console.log(STATUS_HELP);
    return 0;
  }
  const common = commonOptions(values);
  const bus = await NatsBus.connect({ servers: common.nats, name: 'natszk-status', auth: common.auth });
  try {
    const answers = (await bus.gather(common.subjects.status, encode({}), 500))
      .map((a) => decode(a) as ServerStatus)
      .sort((a, b) => a.serverId - b.serverId);
    if (values.json) console.log(JSON.stringify(answers, null, 2));
    else console.log(formatTable(answers));
    if (answers.length === 0) {
      process.stderr.write(`no voting server of ensemble '${common.ensemble}' answered on ${common.nats}\n`);
      return 1;
    }
    return 0;
  } finally {
    await bus.close();
  }
}

function formatTable(rows: ServerStatus[]): string {
  const header = ['server', 'role', 'epoch', 'lastLogged', 'lastCommitted', 'leader', 'znodes', 'sessions', 'followers (acked)'];
  const body = rows.map((s) => [
    String(s.serverId), s.role, String(s.epoch), formatZxid(s.lastLoggedZxid), formatZxid(s.lastCommittedZxid),
    s.leader === null ? '-' : String(s.leader), String(s.nodeCount ?? '-'), String(s.sessions ?? '-'),
    s.followers ? Object.entries(s.followers).map(([id, z]) => `${id}:${formatZxid(z)}`).join(' ') || '-' : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}
