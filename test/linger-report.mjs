// Loaded into the test process by test/run.mjs: when the tests are done but the process stays,
// the runner sends SIGUSR2 and this says what holds it open (a leaked child, socket or timer),
// so the leak can be found rather than only counted.
import { AsyncLocalStorage } from 'node:async_hooks';
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

// Which test is running, from what uvu prints: a file's name, then a mark as each test ends.
// Entered into the async context of uvu's runner, it follows everything a test starts, so a
// NATS connection a test never closed still names that test from its reconnect timers.
const runningTest = new AsyncLocalStorage();
let file = 'before any test file';
let ended = 0;
const write = process.stdout.write;
process.stdout.write = function (chunk, ...rest) {
  const text = String(chunk);
  const named = /(\S+\.test\.m?js)/.exec(text)?.[1];
  if (named) {
    file = named;
    ended = 0;
  }
  ended += (text.match(/[•✘]/g) ?? []).length;
  runningTest.enterWith(`${file}, test ${ended + 1} or the hooks around it`);
  return write.call(this, chunk, ...rest);
};

// A timer holds the process without naming its owner, so where each long or repeating timer
// was set is kept (a stack captured now is formatted only if it is ever read). A NATS
// connection nobody closed shows up here too: once its server is gone it retries on a timer.
const timers = new Set();
for (const [name, repeats] of [['setTimeout', false], ['setInterval', true]]) {
  const set = globalThis[name];
  globalThis[name] = function (fn, ms, ...args) {
    const timer = set.call(this, fn, ms, ...args);
    if (repeats || ms >= 200) {
      const site = {};
      Error.captureStackTrace(site, globalThis[name]);
      timers.add({ timer, site, test: runningTest.getStore() });
      if (timers.size % 1000 === 0) for (const t of timers) if (t.timer._destroyed) timers.delete(t);
    }
    return timer;
  };
}

function pendingTimers() {
  return [...timers].filter((t) => !t.timer._destroyed && t.timer.hasRef()).map((t) => {
    const where = t.site.stack.split('\n').slice(1).map((l) => l.trim()).filter((l) => !l.includes('node:internal')).slice(0, 6).join(' <- ');
    return `Timeout ${t.timer._repeat ? 'every' : 'after'} ${t.timer._idleTimeout} ms, started by ${t.test ?? 'no test'}; set ${where}`;
  });
}

process.on('SIGUSR2', () => {
  const lines = process._getActiveHandles().map((h) => {
    const name = h.constructor?.name ?? typeof h;
    if (h.spawnargs) return `${name} pid ${h.pid}: ${h.spawnargs.join(' ').slice(0, 200)}`;
    if (h.remotePort) return `${name} to ${h.remoteAddress}:${h.remotePort} (local port ${h.localPort})`;
    if (h._handle?.fd === 1 || h._handle?.fd === 2) return null; // the runner reads these
    if (h._handle?.constructor?.name === 'Pipe') return `${name} on a pipe, fd ${h._handle.fd}: ${peerOf(h._handle.fd)}`;
    if (h._onTimeout) return `${name} every/after ${h._idleTimeout} ms: ${String(h._onTimeout).slice(0, 160).replace(/\s+/g, ' ')}`;
    return name;
  }).filter((l) => l !== null).concat(pendingTimers());
  process.stderr.write(`what keeps the tests' process alive (${process.getActiveResourcesInfo().join(', ')}):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
});
