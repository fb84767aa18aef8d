// Loaded into the test process by test/run.mjs: when the tests are done but the process stays,
// the runner sends SIGUSR2 and this says what holds it open (a leaked child, socket or timer),
// so the leak can be found rather than only counted.
process.on('SIGUSR2', () => {
  const lines = process._getActiveHandles().map((h) => {
    const name = h.constructor?.name ?? typeof h;
    if (h.spawnargs) return `${name} pid ${h.pid}: ${h.spawnargs.join(' ').slice(0, 200)}`;
    if (h.remotePort) return `${name} to ${h.remoteAddress}:${h.remotePort} (local port ${h.localPort})`;
    if (h._onTimeout) return `${name} every/after ${h._idleTimeout} ms: ${String(h._onTimeout).slice(0, 160).replace(/\s+/g, ' ')}`;
    return name;
  });
  process.stderr.write(`what keeps the tests' process alive (${process.getActiveResourcesInfo().join(', ')}):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
});
