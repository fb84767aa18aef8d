// What the parts a natszk write is made of cost on this machine, each alone: one NATS request
// and reply between two Node processes through a nats-server (natszk's own Bus on both ends,
// as its actors and client use it), the same exchange over a plain
// TCP connection (what ZooKeeper's servers and clients use), and a natszk getData, the same
// exchange with a session actor answering from its replica; one durable LMDB commit and one
// append + fdatasync to a preallocated file (how ZooKeeper's transaction log flushes). Then a
// natszk ensemble's writes, counted: NATS messages and log flushes per write and the CPU they
// cost, against what those parts alone cost. CPU is counted in every process involved.
// Run: npm run bench:floor   (options: --count N, --seconds S for the ensemble's writes)

import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, fdatasyncSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { open } from 'lmdb';
import { freePort, startEmbeddedNats } from '../deploy/local/embedded-nats.js';
import { Cluster } from '../test/harness/processes.js';
import { NatsBus } from '../transport/nats-bus.js';
import { countWrite, type WriteCount } from './write-parts.js';
import { cpuMs, ownCpuMs } from './cpu.js';
import { percentile, progress } from './load.js';

const PAYLOAD = new Uint8Array(200).fill(7);

/** The other end of each exchange: a Node process that sends every message back. */
async function echo(role: string, target: string): Promise<void> {
  if (role === 'echo-nats') {
    const bus = await NatsBus.connect({ servers: target });
    bus.subscribe('echo', (m) => { if (m.reply) bus.publish(m.reply, m.data); });
  } else {
    await new Promise<void>((resolve) => {
      net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); }).listen(Number(target), '127.0.0.1', resolve);
    });
  }
  process.send!('ready');
}

async function startEcho(role: string, target: string): Promise<ChildProcess> {
  const child = fork(fileURLToPath(import.meta.url), [role, target], { stdio: 'inherit' });
  await new Promise((r) => child.once('message', r));
  return child;
}

interface Cost { p50: number; perOp: Record<string, number> }

/** count exchanges, `concurrency` at a time over as many connections: latency, and CPU µs per exchange by process. */
async function exchanges(concurrency: number, count: number, send: (c: number) => Promise<unknown>, pids: Record<string, number>): Promise<Cost> {
  for (let i = 0; i < 200; i++) await send(0);
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs([pid])]));
  const own = ownCpuMs();
  const lat: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, c) => {
    while (next++ < count) {
      const t = performance.now();
      await send(c);
      lat.push(performance.now() - t);
    }
  }));
  const perOp: Record<string, number> = { sender: ((ownCpuMs() - own) * 1000) / count };
  for (const [n, pid] of Object.entries(pids)) perOp[n] = ((cpuMs([pid]) - before[n]!) * 1000) / count;
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 0.5), perOp };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string' }, seconds: { type: 'string' } } });
  const COUNT = Number(values.count ?? 5000);
  const SECONDS = Number(values.seconds ?? 4);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'natszk-floor-'));
  const rows: string[] = [];
  const row = (what: string, c: number, cost: Cost) => {
    rows.push(`| ${what} | ${c} | ${cost.p50.toFixed(3)} | ${Object.entries(cost.perOp).map(([n, v]) => `${n} ${v.toFixed(0)}`).join(', ')} | ${cpuOf(cost).toFixed(0)} |`);
  };
  /** CPU µs of one part alone: a NATS or TCP message (half an exchange) by concurrency, a flush of each kind. */
  const units = { natsMessage: {} as Record<number, number>, tcpMessage: {} as Record<number, number>, lmdbFlush: 0, appendFlush: 0 };
  const writes: WriteCount[] = [];
  const nats = await startEmbeddedNats({ dir: path.join(dir, 'nats'), quiet: true });
  const children: ChildProcess[] = [];
  try {
    progress(`NATS request/reply between two Node processes through nats-server, ${COUNT} exchanges`);
    const natsEcho = await startEcho('echo-nats', nats.url);
    children.push(natsEcho);
    for (const c of [1, 16]) {
      const buses = await Promise.all(Array.from({ length: c }, () => NatsBus.connect({ servers: nats.url })));
      const cost = await exchanges(c, COUNT, (i) => buses[i]!.request('echo', PAYLOAD, 5000), { echo: natsEcho.pid!, 'nats-server': nats.pid });
      row('NATS request/reply (Node ↔ nats-server ↔ Node)', c, cost);
      units.natsMessage[c] = cpuOf(cost) / 2;
      for (const bus of buses) await bus.close();
    }

    progress(`the same over plain TCP, ${COUNT} exchanges`);
    const port = await freePort();
    const tcpEcho = await startEcho('echo-tcp', String(port));
    children.push(tcpEcho);
    for (const c of [1, 16]) {
      const sockets = await Promise.all(Array.from({ length: c }, () => new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.setNoDelay(true);
      })));
      const send = (i: number) => new Promise<void>((resolve) => { sockets[i]!.once('data', () => resolve()); sockets[i]!.write(PAYLOAD); });
      const cost = await exchanges(c, COUNT, send, { echo: tcpEcho.pid! });
      row('TCP request/reply (Node ↔ Node)', c, cost);
      units.tcpMessage[c] = cpuOf(cost) / 2;
      for (const s of sockets) s.destroy();
    }

    progress(`natszk getData of a ${PAYLOAD.length}-byte node through its own client, ${COUNT} reads`);
    const cluster = await Cluster.start({ servers: 1, sessions: 1 });
    try {
      const reader = { 'session actor': cluster.sessions[0]!.child.pid!, 'nats-server': cluster.nats[0]!.pid };
      const owner = await cluster.client();
      await owner.create('/floor', PAYLOAD);
      await owner.close();
      for (const c of [1, 16]) {
        const clients = await Promise.all(Array.from({ length: c }, () => cluster.client()));
        const cost = await exchanges(c, COUNT, (i) => clients[i]!.getData('/floor'), reader);
        row('natszk getData (client ↔ nats-server ↔ session actor)', c, cost);
        for (const client of clients) await client.close();
      }
    } finally {
      await cluster.stop();
    }

    progress(`durable LMDB commits of one 300-byte log entry, ${COUNT / 5} of them`);
    const env = open({ path: path.join(dir, 'lmdb'), maxDbs: 2, overlappingSync: false, encoding: 'binary' });
    const log = env.openDB<Uint8Array, number>({ name: 'log', encoding: 'binary' });
    const entry = new Uint8Array(300).fill(1);
    let key = 0;
    const commit = await exchanges(1, COUNT / 5, async () => env.transactionSync(() => log.put(++key, entry)), {});
    row('durable LMDB commit (transactionSync: data pages, fdatasync, then the meta page, flushed)', 1, commit);
    await env.close();

    progress(`appends + fdatasync of one 300-byte entry to a preallocated file, ${COUNT / 5} of them`);
    const fd = openSync(path.join(dir, 'txnlog'), 'w+');
    ftruncateSync(fd, 64 << 20);
    let offset = 0;
    const append = await exchanges(1, COUNT / 5, async () => { writeSync(fd, entry, 0, entry.length, offset); offset += entry.length; fdatasyncSync(fd); }, {});
    row('append + fdatasync, preallocated file (ZooKeeper\'s transaction log)', 1, append);
    closeSync(fd);
    units.lmdbFlush = cpuOf(commit);
    units.appendFlush = cpuOf(append);
    for (const c of children.splice(0)) c.kill();
    for (const c of [1, 16]) writes.push(await countWrite(c, SECONDS));
  } finally {
    for (const c of children) c.kill();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const cpus = os.cpus();
  console.log(`${new Date().toISOString().slice(0, 10)}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}; Node ${process.version}; ${readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log('');
  console.log('| exchange | conc. | p50 ms | CPU µs per exchange, by process | CPU µs in all |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log('');
  console.log('A natszk create (3 voting servers, 1 session actor, natszk\'s own client, a call in flight per client): NATS messages and log flushes per write, counted by a NATS subscriber to every subject and by the servers\' metrics (with the time a flush took, three servers flushing on one disk); CPU of every process (servers, session actor, nats-server, load generator)');
  console.log('');
  console.log('| conc. | writes/s | NATS messages per write | log flushes per write (ms each) | CPU µs per write, measured | its messages and flushes alone, at the prices above | the same parts as TCP messages and appends |');
  console.log('|---|---|---|---|---|---|---|');
  for (const w of writes) {
    const messages = Object.values(w.messagesPerWrite).reduce((a, b) => a + b, 0);
    const natsPrice = units.natsMessage[w.concurrency]!;
    const tcpPrice = units.tcpMessage[w.concurrency]!;
    const parts = Object.entries(w.messagesPerWrite).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
    console.log(`| ${w.concurrency} | ${Math.round(w.writesPerSecond)} | ${messages.toFixed(2)} (${parts}) | ${w.flushesPerWrite.toFixed(2)} (${w.flushMs.toFixed(2)}) | ${w.cpuMicrosPerWrite.toFixed(0)} | ${(messages * natsPrice + w.flushesPerWrite * units.lmdbFlush).toFixed(0)} | ${(messages * tcpPrice + w.flushesPerWrite * units.appendFlush).toFixed(0)} |`);
  }
}

const cpuOf = (cost: Cost) => Object.values(cost.perOp).reduce((a, b) => a + b, 0);

const role = process.argv[2];
if (role?.startsWith('echo-')) await echo(role, process.argv[3]!);
else await main();
