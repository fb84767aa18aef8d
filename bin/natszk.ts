#!/usr/bin/env node
// The natszk command line: up, server, session, gateway, status, admin, cli.

import { ADMIN_HELP, runAdmin } from './admin.js';
import { runCli, CLI_HELP } from './cli.js';
import { UsageError } from './config.js';
import { GATEWAY_HELP, runGateway } from './gateway.js';
import { runServer, SERVER_HELP } from './server.js';
import { runSession, SESSION_HELP } from './session.js';
import { runStatus, STATUS_HELP } from './status.js';
import { runUp, UP_HELP } from './up.js';

const HELP = `usage: natszk <command> [options]

commands:
  up        start a local ensemble (embedded nats-server, voting servers, session actors)
  server    run one voting server
  session   run one session actor
  gateway   run one session actor that ZooKeeper clients reach over ZooKeeper's TCP protocol
  status    each voting server's role, epoch and zxids, as a table
  admin     ZooKeeper's four-letter words (ruok, srvr, stat, mntr, cons, dump, wchs, envi)
  cli       zkCli: an interactive shell, or one command (create, get, set, ls, watch, ...)

'natszk <command> --help' tells more.

${UP_HELP}

${SERVER_HELP}

${SESSION_HELP}

${GATEWAY_HELP}

${STATUS_HELP}

${ADMIN_HELP}

${CLI_HELP}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': await runUp(rest); return 0;
    case 'server': await runServer(rest); return 0;
    case 'session': await runSession(rest); return 0;
    case 'gateway': await runGateway(rest); return 0;
    case 'status': return runStatus(rest);
    case 'admin': return runAdmin(rest);
    case 'cli': return runCli(rest);
    case undefined: case '-h': case '--help': case 'help':
      console.log(HELP);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}'; try 'natszk --help'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`natszk: ${(err as Error).message}\n`);
      process.exit(2);
    }
    process.stderr.write(`natszk: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
