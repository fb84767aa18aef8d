// Real natszk processes for integration tests: an embedded nats-server on a free loopback
// port, voting servers and session actors spawned from the built CLI, each stopped by pid.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startEmbeddedNats, type EmbeddedNats, type EmbeddedNatsOptions } from '../../deploy/local/embedded-nats.js';
import { connect, type Client, type ConnectOptions } from '../../client/index.js';
import { decode, encode } from '../../transport/codec.js';
import type { ServerStatus } from '../../transport/messages.js';
import { NatsBus, type NatsAuth } from '../../transport/nats-bus.js';
import { Subjects } from '../../transport/subjects.js';
import { SPLIT_ACTORS, type SplitActor } from '../../bin/server.js';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/natszk.js');

export class Proc {
  output = '';
  private exited: Promise<void>;

  constructor(readonly name: string, readonly child: ChildProcess) {
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (process.env.NATSZK_TEST_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }
}

export interface ClusterOptions {
  servers?: number;
  sessions?: number;
  serverArgs?: string[];
  sessionArgs?: string[];
  tick?: number;
  /** servers whose election, proposer and follower actors each run in a process of their own */
  split?: number[];
  /** nats-servers in a NATS cluster; server i and session actor i attach to nats-server i mod n */
  natsServers?: number;
  /** more nats-server configuration (an authorization block) */
  natsConfig?: string;
  /** how the harness itself (status, readiness, cluster.client()) authenticates to NATS */
  auth?: NatsAuth;
  /** every process serves Prometheus metrics on a port it picks itself (see metricsPort()) */
  metrics?: boolean;
  /** options for node itself in every natszk process (e.g. --cpu-prof for a profile) */
  nodeArgs?: string[];
}


export class Cluster {
  readonly ensemble = 'test';
  /** one process per server; for a split server, its election actor's */
  servers: Proc[] = [];
  sessions: Proc[] = [];
  /** the processes of split servers, by server id */
  readonly actors = new Map<number, Record<SplitActor, Proc>>();

  private constructor(readonly nats: EmbeddedNats[], private readonly natsOptions: EmbeddedNatsOptions[], readonly dir: string, private readonly opts: Required<ClusterOptions>) {}

  static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'natszk-test-'));
    const full = { servers: 1, sessions: 1, serverArgs: [], sessionArgs: [], tick: 500, split: [], natsServers: 1, natsConfig: '', auth: {}, metrics: false, nodeArgs: [], ...opts };
    const natsOptions: EmbeddedNatsOptions[] = [];
    const routePorts = full.natsServers > 1 ? await Promise.all(Array.from({ length: full.natsServers }, () => freePort())) : [];
    for (let i = 0; i < full.natsServers; i++) {
      const cluster = routePorts.length > 0 ? { port: routePorts[i]!, routes: routePorts.filter((_, j) => j !== i) } : undefined;
      natsOptions.push({ dir: path.join(dir, `nats-${i}`), port: await freePort(), quiet: true, cluster, extraConfig: full.natsConfig });
    }
    const nats = await Promise.all(natsOptions.map((o) => startEmbeddedNats(o)));
    const cluster = new Cluster(nats, natsOptions, dir, full);
    for (let id = 1; id <= full.servers; id++) {
      if (!full.split.includes(id)) {
        cluster.servers.push(cluster.spawnServer(id));
        continue;
      }
      const actors = Object.fromEntries(SPLIT_ACTORS.map((a) => [a, cluster.spawnServer(id, a)])) as Record<SplitActor, Proc>;
      cluster.actors.set(id, actors);
      cluster.servers.push(actors.election);
    }
    for (let i = 0; i < full.sessions; i++) cluster.sessions.push(cluster.spawnSession());
    try {
      await cluster.waitServing();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The first nats-server's URL; with a NATS cluster, `urls` has them all. */
  get url(): string { return this.nats[0]!.url; }
  get urls(): string[] { return this.nats.map((n) => n.url); }

  /** Stops nats-server i (its attached processes are cut off) and, after downMs, starts it again on the same ports. */
  async restartNats(i: number, downMs: number): Promise<void> {
    await this.nats[i]!.stop();
    await new Promise((r) => setTimeout(r, downMs));
    this.nats[i] = await startEmbeddedNats(this.natsOptions[i]!);
  }

  /**
   * Restarts nats-server i outside the NATS cluster for ms, then back in it: the processes and
   * clients attached to it reach one another but nothing on the other side (a network partition).
   */
  async isolateNats(i: number, ms: number): Promise<void> {
    await this.nats[i]!.stop();
    this.nats[i] = await startEmbeddedNats({ ...this.natsOptions[i]!, cluster: undefined });
    await new Promise((r) => setTimeout(r, ms));
    await this.nats[i]!.stop();
    this.nats[i] = await startEmbeddedNats(this.natsOptions[i]!);
  }

  spawnServer(id: number, actor?: SplitActor): Proc {
    const voters = Array.from({ length: this.opts.servers }, (_, i) => i + 1).join(',');
    const args = ['server', '--id', String(id), '--voters', voters, '--data', path.join(this.dir, `server-${id}`), ...this.opts.serverArgs];
    const url = this.nats[(id - 1) % this.nats.length]!.url;
    return actor ? this.spawn(`server-${id}-${actor}`, [...args, '--actor', actor], url) : this.spawn(`server-${id}`, args, url);
  }

  /** kill -9 of one actor process of a split server, and a fresh one on the same data directory. */
  async restartActor(id: number, actor: SplitActor): Promise<void> {
    const actors = this.actors.get(id);
    if (!actors) throw new Error(`server ${id} is not split`);
    await actors[actor].kill('SIGKILL');
    actors[actor] = this.spawnServer(id, actor);
    if (actor === 'election') this.servers[id - 1] = actors.election;
  }

  spawnSession(i = this.sessions.length): Proc {
    return this.spawn(`session-${i}`, ['session', ...this.opts.sessionArgs], this.nats[i % this.nats.length]!.url);
  }

  /** kill -9 of session actor i and, after downMs, a fresh one in its place. */
  async restartSession(i: number, downMs = 0): Promise<void> {
    await this.sessions[i]!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, downMs));
    this.sessions[i] = this.spawnSession(i);
  }

  private spawn(name: string, args: string[], url: string): Proc {
    // Port 0: a port the harness picked could be taken by the time the process listens.
    const metrics = this.opts.metrics ? ['--metrics-port', '0'] : [];
    const child = spawn(process.execPath, [...this.opts.nodeArgs, CLI, ...args, ...metrics, '--nats', url, '--ensemble', this.ensemble, '--tick', String(this.opts.tick)], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Proc(name, child);
  }

  /** kill -9 of voting server `id` and a fresh process on the same data directory. */
  async restartServer(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.servers[id - 1]!.kill(signal);
    this.servers[id - 1] = this.spawnServer(id);
    await this.waitServing();
  }

  /**
   * With `metrics`: the port process `name` (server-1, session-0, ...) serves metrics on, once
   * it has logged it; it logs it after joining the NATS services API, so it is observable then.
   */
  async metricsPort(name: string, timeoutMs = 15_000): Promise<number> {
    const proc = [...this.servers, ...this.sessions].find((p) => p.name === name);
    if (!proc || !this.opts.metrics) throw new Error(`no process ${name} serving metrics`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const port = /metrics on http:\/\/0\.0\.0\.0:(\d+)\/metrics/.exec(proc.output)?.[1];
      if (port !== undefined) return Number(port);
      if (!proc.alive || Date.now() > deadline) throw new Error(`${name} never served metrics${proc.alive ? '' : ' (it exited)'}\n${this.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** What process `name` serves on /metrics now (Prometheus' text format). */
  async scrapeMetrics(name: string): Promise<string> {
    return (await fetch(`http://127.0.0.1:${await this.metricsPort(name)}/metrics`)).text();
  }

  async waitServing(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const c = await this.client({ sessionless: true, requestTimeout: 1000 });
        try {
          await c.sync('/');
          return;
        } finally {
          await c.close();
        }
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`cluster not serving: ${(err as Error).message}\n${this.logs()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** What every live voting server says of itself. */
  async statuses(): Promise<ServerStatus[]> {
    const bus = await NatsBus.connect({ servers: this.urls, auth: this.opts.auth });
    try {
      const answers = await bus.gather(new Subjects(this.ensemble).status, encode({}), 200);
      return answers.map((a) => decode(a) as ServerStatus).sort((a, b) => a.serverId - b.serverId);
    } finally {
      await bus.close();
    }
  }

  /** The id of the serving leader, once there is one. */
  async leader(timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leader = (await this.statuses()).find((s) => s.role === 'leader' && this.servers[s.serverId - 1]?.alive);
      if (leader) return leader.serverId;
      if (Date.now() > deadline) throw new Error(`no leader within ${timeoutMs} ms\n${this.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until every live voting server has joined: one leader, the rest its followers. */
  async settled(timeoutMs = 30_000): Promise<ServerStatus[]> {
    const deadline = Date.now() + timeoutMs;
    const live = this.servers.filter((s) => s.alive).length;
    for (;;) {
      const statuses = await this.statuses();
      const leaders = statuses.filter((s) => s.role === 'leader').length;
      const followers = statuses.filter((s) => s.role === 'follower').length;
      if (statuses.length === live && leaders === 1 && followers === live - 1) return statuses;
      if (Date.now() > deadline) throw new Error(`servers not settled within ${timeoutMs} ms: ${JSON.stringify(statuses.map((s) => [s.serverId, s.role]))}\n${this.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until server id is a follower whose committed zxid reached zxid. */
  async caughtUp(id: number, zxid: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = (await this.statuses()).find((x) => x.serverId === id);
      if (s && s.role === 'follower' && s.lastCommittedZxid >= zxid) return;
      if (Date.now() > deadline) throw new Error(`server ${id} did not catch up to 0x${zxid.toString(16)}: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  client(opts: Partial<ConnectOptions> = {}): Promise<Client> {
    return connect({ servers: this.urls, ensemble: this.ensemble, auth: this.opts.auth, ...opts });
  }

  private all(): Proc[] {
    const split = [...this.actors.values()].flatMap((a) => [a.proposer, a.follower]);
    return [...this.sessions, ...this.servers, ...split];
  }

  logs(): string {
    return this.all().map((p) => `--- ${p.name}\n${p.output}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((p) => p.stop()));
    await Promise.all(this.nats.map((n) => n.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A create retried across a failover, as a client that hears CONNECTIONLOSS would: an earlier
 * attempt may have taken effect, so NODEEXISTS on a retry means done.
 */
export async function createRetrying(zk: Client, path: string, data = path): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await zk.create(path, data);
      return;
    } catch (err) {
      const code = (err as { codeName?: string }).codeName;
      if (code === 'NODEEXISTS' && attempt > 0) return;
      if (code !== 'CONNECTIONLOSS' || attempt > 100) throw err;
    }
  }
}

/** Runs the CLI as a user would and returns what they would see. */
export function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
