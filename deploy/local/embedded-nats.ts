// Starts a nats-server of our own on a free loopback port (the local ensemble and the tests
// use this) and stops exactly that process.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Large enough for a 1 MiB znode plus its envelope (nats-server's default is 1 MB). */
export const EMBEDDED_MAX_PAYLOAD = 8 * 1024 * 1024;

export function findNatsServer(): string {
  for (const candidate of [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('nats-server is not installed: run `apt-get install -y nats-server` (or set NATS_SERVER_BIN)');
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`nats-server exited with code ${child.exitCode}`));
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => { sock.destroy(); resolve(); });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface EmbeddedNats {
  url: string;
  port: number;
  pid: number;
  /** SIGTERM, then SIGKILL if it lingers; resolves once the process is gone. */
  stop(): Promise<void>;
}

export interface EmbeddedNatsOptions {
  dir: string;
  port?: number;
  quiet?: boolean;
  /** a member of a NATS cluster: its route port and its peers' route ports */
  cluster?: { port: number; routes: number[] };
  /** more configuration, e.g. an authorization block */
  extraConfig?: string;
}

export async function startEmbeddedNats(opts: EmbeddedNatsOptions): Promise<EmbeddedNats> {
  const bin = findNatsServer();
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.dir, { recursive: true });
  const conf = path.join(opts.dir, `nats-${port}.conf`);
  let text = `listen: 127.0.0.1:${port}\nmax_payload: ${EMBEDDED_MAX_PAYLOAD}\nmax_pending: 64MB\n`;
  if (opts.cluster) {
    // no_advertise: a client stays on the servers it was given, so losing its server cuts it off
    // (a real partition) instead of moving it to a peer the operator did not name.
    const routes = opts.cluster.routes.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
    text += `cluster {\n  name: natszk\n  listen: 127.0.0.1:${opts.cluster.port}\n  no_advertise: true\n  routes: [${routes}]\n}\n`;
  }
  if (opts.extraConfig) text += `${opts.extraConfig}\n`;
  writeFileSync(conf, text);
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', opts.quiet ? 'ignore' : 'inherit', opts.quiet ? 'ignore' : 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(port, child, 10_000);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
