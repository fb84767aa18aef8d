// CPU time that processes spent, read from /proc, so that a benchmark on a machine of two
// cores can say what each operation costs, not only how many fit in a second.

import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // Linux's USER_HZ

/** User + system CPU ms of each live pid, summed; a pid gone meanwhile counts for nothing. */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // The fields after the command's closing parenthesis, which may itself hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** This process's own CPU ms (the load generator and the client library it drives). */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
