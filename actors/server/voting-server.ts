// One voting server in one process: its LMDB environment and committed tree (ServerCore),
// the election actor, and whichever role the election decided, wired by direct calls.

import { ServerStore } from '../../storage/lmdb-store.js';
import type { Store } from '../../storage/store.js';
import { ElectionShell } from '../election/shell.js';
import { restoreTree } from './restore.js';
import { ServerCore, type ServerCoreOptions } from './server-core.js';
import { systemClock, type Clock } from '../clock.js';

export interface VotingServerOptions extends Omit<ServerCoreOptions, 'clock'> {
  dataDir: string;
  keepSnapshots: number;
  /** the system clock, or the simulator's */
  clock?: Clock;
  /** opens the server's durable storage (LMDB; the simulator passes its in-memory store) */
  openStore?: (dir: string, opts: { keepSnapshots: number }) => Promise<Store>;
}

export class VotingServer {
  private readonly election: ElectionShell;
  private stopped = false;

  private constructor(private readonly opts: VotingServerOptions, private readonly core: ServerCore, clock: Clock) {
    const { store } = core;
    this.election = new ElectionShell(opts.bus, opts.subjects, opts.serverId, opts.voters, opts.peerTickMs, clock, (state, vote) => {
      opts.log(`elected ${vote.leader} (epoch ${vote.epoch}, zxid 0x${vote.zxid.toString(16)}); this server has epoch ${store.currentEpoch}, zxid 0x${store.lastLoggedZxid().toString(16)}`);
      if (this.stopped) return;
      // Every role change goes through election again, asynchronously, so a role never stops itself mid-step.
      core.startRole(state, vote.leader, (reason) => setImmediate(() => this.lookForLeader(reason)));
    });
  }

  static async start(opts: VotingServerOptions): Promise<VotingServer> {
    const clock = opts.clock ?? systemClock;
    const open = opts.openStore ?? ((dir, o) => ServerStore.open(dir, o));
    const store = await open(opts.dataDir, { keepSnapshots: opts.keepSnapshots });
    // A second process started on the same data directory by mistake fences this one off.
    await store.claim(`server ${opts.serverId} (pid ${process.pid})`);
    // Only committed history is applied; the rest is settled by the next leader's sync.
    const core = new ServerCore({ ...opts, clock }, store, restoreTree(store, store.lastCommittedZxid, opts.log));
    const server = new VotingServer(opts, core, clock);
    if (!store.latestSnapshot()) await core.takeSnapshot();
    core.serveReads(() => true);
    server.election.start();
    server.lookForLeader('starting');
    return server;
  }

  get store(): Store { return this.core.store; }
  get tree() { return this.core.tree; }

  private lookForLeader(reason: string): void {
    if (this.stopped) return;
    this.core.stopRole();
    this.opts.log(`looking for a leader (${reason})`);
    this.election.look(this.core.store.currentEpoch, this.core.store.lastLoggedZxid());
  }

  status() { return this.core.status(); }
  get committedCount(): number { return this.core.committedCount; }
  get quorumAcks(): { readonly count: number; readonly seconds: number } { return this.core.quorumAcks; }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.election.stop();
    await this.core.stop();
    await this.core.store.close();
  }
}
