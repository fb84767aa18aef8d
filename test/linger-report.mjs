// Loaded into the test process by test/run.mjs: when the tests are done but the process stays,
// the runner sends SIGUSR2 and this says what holds it open (a leaked child, socket or timer),
// so the leak can be found rather than only counted.
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/**
 * Who holds the other end of this process's fd: a child's stdio is a socket pair, and a
 * grandchild that inherited the child's end keeps it open after the child is gone.
 */
function peerOf(fd) {
  try {
    const link = readlinkSync(`/proc/self/fd/${fd}`);
    const inode = /\[(\d+)\]/.exec(link)?.[1];
    // ss lists each end of a pair: its own inode, then its peer's.
    const ends = execFileSync('ss', ['-xpaH'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(` * ${inode} `) && !l.includes(`pid=${process.pid},`));
    return `${link}; the other end: ${ends.map((l) => l.replace(/\s+/g, ' ').trim()).join('; ') || 'closed'}`;
  } catch (err) {
    return `unknown (${err.message})`;
  }
}

process.on('SIGUSR2', () => {
  const lines = process._getActiveHandles().map((h) => {
    const name = h.constructor?.name ?? typeof h;
    if (h.spawnargs) return `${name} pid ${h.pid}: ${h.spawnargs.join(' ').slice(0, 200)}`;
    if (h.remotePort) return `${name} to ${h.remoteAddress}:${h.remotePort} (local port ${h.localPort})`;
    if (h._handle?.constructor?.name === 'Pipe') return `${name} on a pipe, fd ${h._handle.fd}: ${peerOf(h._handle.fd)}`;
    if (h._onTimeout) return `${name} every/after ${h._idleTimeout} ms: ${String(h._onTimeout).slice(0, 160).replace(/\s+/g, ' ')}`;
    return name;
  });
  process.stderr.write(`what keeps the tests' process alive (${process.getActiveResourcesInfo().join(', ')}):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
});
