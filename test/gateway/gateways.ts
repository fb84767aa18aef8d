// Gateway processes for the gateway tests: `natszk gateway` spawned from the built CLI beside
// a test cluster, on a free loopback port, ready once it answers ruok; each stopped by pid.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { freePort } from '../../deploy/local/embedded-nats.js';
import { CLI, Cluster, Proc } from '../harness/processes.js';

export interface GatewayProc { proc: Proc; port: number; connect: string }

/** A four-letter word over a raw socket, as `echo ruok | nc` sends it; resolves with everything the server wrote before closing. */
export function fourLetters(port: number, word: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    sock.setTimeout(timeoutMs, () => sock.destroy());
    sock.on('connect', () => sock.write(word));
    sock.on('data', (d) => (out += d));
    sock.on('close', () => resolve(out));
    sock.on('error', () => resolve(out));
  });
}

export async function startGateway(cluster: Cluster, opts: { port?: number; tickMs?: number } = {}, timeoutMs = 60_000): Promise<GatewayProc> {
  const p = opts.port ?? await freePort();
  const child = spawn(process.execPath, [CLI, 'gateway', '--listen', `127.0.0.1:${p}`, '--nats', cluster.url, '--ensemble', cluster.ensemble, '--tick', String(opts.tickMs ?? 500)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc(`gateway-${p}`, child);
  const deadline = Date.now() + timeoutMs;
  while ((await fourLetters(p, 'ruok', 1000)) !== 'imok') {
    if (!proc.alive || Date.now() > deadline) {
      await proc.kill();
      throw new Error(`gateway on port ${p} did not answer ruok:\n${proc.output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, port: p, connect: `127.0.0.1:${p}` };
}

/**
 * Runs a program to its end (killed, with its children, past timeoutMs) and returns what it
 * printed. A process group of its own: zkCli.sh runs java as its child, the Curator recipes'
 * JVM starts another (the lock holder it kills), and a timeout must stop them all.
 */
export function runProgram(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // Whatever it started and left behind (a JVM holding its stderr) goes with it: a pipe
      // held open by a leftover keeps the tests' process alive after the last test.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      resolve({ code, stdout, stderr });
    });
  });
}

/** One voting server and two gateways, for a test file's before hook; stop() for its after hook. */
export async function gatewayEnsemble(): Promise<{ cluster: Cluster; gateways: GatewayProc[]; stop: () => Promise<void> }> {
  const cluster = await Cluster.start({ servers: 1 });
  const gateways = [await startGateway(cluster), await startGateway(cluster)];
  return {
    cluster,
    gateways,
    stop: async () => {
      await Promise.all(gateways.map((g) => g.proc.stop()));
      await cluster.stop();
    },
  };
}
