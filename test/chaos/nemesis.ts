// Faults over real processes: kill -9 and restart of the leader, a follower or a session
// actor; SIGSTOP/SIGCONT pauses longer than the session timeout and than syncLimit; one
// nats-server of the NATS cluster down and back (what is attached to it is cut off), or cut
// from its peers while it serves (what is attached to it forms a minority side of its own:
// a leader there keeps its clients but must not commit), and the whole NATS cluster restarted.

import type { Cluster } from '../harness/processes.js';

export const FAULTS = [
  'kill-leader', 'kill-follower', 'kill-session-actor',
  'pause-leader', 'pause-follower', 'pause-session-actor',
  'nats-server-down', 'nats-server-isolated', 'restart-all-nats-servers',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface NemesisOptions {
  /** longer than the session timeout and than syncLimit, so a pause costs sessions and followers */
  pauseMs: [min: number, max: number];
  /** how long a killed process or a downed nats-server stays away */
  downMs: [min: number, max: number];
  log: (message: string) => void;
}

export class Nemesis {
  readonly injected = new Map<Fault, number>(FAULTS.map((f) => [f, 0]));

  constructor(private readonly cluster: Cluster, private readonly random: () => number, private readonly opts: NemesisOptions) {}

  /** Injects faults, one at a time with a calm between, until stop() says so; every fault is healed before it returns. */
  async run(stop: () => boolean, calmMs: [number, number]): Promise<void> {
    while (!stop()) {
      // Every kind comes round once per cycle, in a shuffled order.
      const order = [...FAULTS].sort(() => this.random() - 0.5);
      for (const fault of order) {
        if (stop()) return;
        await this.inject(fault);
        await sleep(this.between(calmMs));
      }
    }
  }

  async inject(fault: Fault): Promise<void> {
    const c = this.cluster;
    const started = Date.now();
    let what = '';
    switch (fault) {
      case 'kill-leader':
      case 'kill-follower': {
        const id = await this.pickServer(fault === 'kill-leader');
        if (id === undefined) return;
        what = `server ${id}`;
        await c.servers[id - 1]!.kill('SIGKILL');
        await sleep(this.between(this.opts.downMs));
        c.servers[id - 1] = c.spawnServer(id);
        break;
      }
      case 'kill-session-actor': {
        const i = Math.floor(this.random() * c.sessions.length);
        what = `session actor ${i}`;
        await c.restartSession(i, this.between(this.opts.downMs));
        break;
      }
      case 'pause-leader':
      case 'pause-follower':
      case 'pause-session-actor': {
        let proc;
        if (fault === 'pause-session-actor') {
          const i = Math.floor(this.random() * c.sessions.length);
          proc = c.sessions[i]!;
          what = `session actor ${i}`;
        } else {
          const id = await this.pickServer(fault === 'pause-leader');
          if (id === undefined) return;
          proc = c.servers[id - 1]!;
          what = `server ${id}`;
        }
        const ms = this.between(this.opts.pauseMs);
        proc.child.kill('SIGSTOP');
        await sleep(ms);
        proc.child.kill('SIGCONT');
        what += ` for ${ms} ms`;
        break;
      }
      case 'nats-server-down': {
        const i = Math.floor(this.random() * c.nats.length);
        what = `nats-server ${i}`;
        await c.restartNats(i, this.between(this.opts.downMs));
        break;
      }
      case 'nats-server-isolated': {
        // The leader's side, mostly: that is where a minority could wrongly commit.
        const leader = await this.pickServer(true);
        const i = leader !== undefined && this.random() < 0.75 ? (leader - 1) % c.nats.length : Math.floor(this.random() * c.nats.length);
        const ms = this.between(this.opts.pauseMs);
        what = `nats-server ${i} for ${ms} ms${leader !== undefined && (leader - 1) % c.nats.length === i ? ' (the leader\'s)' : ''}`;
        await c.isolateNats(i, ms);
        break;
      }
      case 'restart-all-nats-servers':
        what = `${c.nats.length} nats-servers`;
        await Promise.all(c.nats.map((_, i) => c.restartNats(i, this.between(this.opts.downMs) / 2)));
        break;
    }
    this.injected.set(fault, this.injected.get(fault)! + 1);
    this.opts.log(`${fault}: ${what} (${Date.now() - started} ms)`);
  }

  /** The serving leader, or a live follower; undefined when there is none right now. */
  private async pickServer(leader: boolean): Promise<number | undefined> {
    const statuses = await this.cluster.statuses().catch(() => []);
    const alive = statuses.filter((s) => this.cluster.servers[s.serverId - 1]?.alive);
    const candidates = alive.filter((s) => (s.role === 'leader') === leader).map((s) => s.serverId);
    if (candidates.length === 0) return undefined;
    return candidates[Math.floor(this.random() * candidates.length)];
  }

  private between([min, max]: [number, number]): number {
    return Math.round(min + this.random() * (max - min));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
