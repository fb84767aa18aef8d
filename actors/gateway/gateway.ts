// The gateway's TCP shell: accepts ZooKeeper client connections, feeds each one's bytes to its
// connection machine and performs what the machine asks of the session actor core running in
// this process. A connection that misbehaves is closed alone; nothing a client sends can
// stop the process.

import net from 'node:net';
import type { Limits } from '../../transport/messages.js';
import type { FourLetterWord } from '../../transport/jute/codes.js';
import type { WatchEvent } from '../../transport/ops.js';
import type { LocalFrontEnd, LocalSessionInfo, LocalSink } from '../session/local-front-end.js';
import { GatewayConnection, type ConnectionAction } from './connection.js';

export interface GatewayOptions {
  core: LocalFrontEnd;
  limits: Limits;
  host: string;
  port: number;
  log: (message: string) => void;
  /** the text of a four-letter word, asked on a fresh connection */
  word: (word: FourLetterWord) => string;
}

/** One client connection as cons lists it. */
export interface GatewayClient {
  remote: string;
  sessionId?: number;
  timeout?: number;
  established: number;
  counts: GatewayConnection['counts'];
}

export class Gateway {
  private readonly server: net.Server;
  private readonly sockets = new Map<net.Socket, { conn: GatewayConnection; established: number }>();

  private constructor(private readonly opts: GatewayOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async listen(opts: GatewayOptions): Promise<Gateway> {
    const gw = new Gateway(opts);
    await new Promise<void>((resolve, reject) => {
      gw.server.once('error', reject);
      gw.server.listen(opts.port, opts.host, () => {
        gw.server.off('error', reject);
        resolve();
      });
    });
    gw.server.on('error', (err) => opts.log(`listening socket: ${err.message}`));
    return gw;
  }

  get address(): { host: string; port: number } {
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  clients(): GatewayClient[] {
    return [...this.sockets].map(([socket, { conn, established }]) => ({
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      sessionId: conn.session?.sessionId,
      timeout: conn.session?.timeout,
      established,
      counts: conn.counts,
    }));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const conn = new GatewayConnection(this.opts.limits);
    this.sockets.set(socket, { conn, established: Date.now() });
    const core = this.opts.core;
    const sink: LocalSink = {
      events: (events: WatchEvent[]) => this.step(socket, conn, sink, () => conn.onEvents(events)),
      state: (state) => this.step(socket, conn, sink, () => conn.onSessionState(state)),
    };
    socket.on('data', (chunk) => this.step(socket, conn, sink, () => conn.onData(chunk)));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (conn.session) core.localDetach(conn.session.sessionId, sink);
    });
  }

  /** A fault in one connection's handling closes that connection, never the process. */
  private step(socket: net.Socket, conn: GatewayConnection, sink: LocalSink, next: () => ConnectionAction[]): void {
    let actions: ConnectionAction[];
    try {
      actions = next();
    } catch (err) {
      this.opts.log(`closing a connection after an internal error: ${(err as Error).stack ?? err}`);
      if (conn.session) this.opts.core.localDetach(conn.session.sessionId, sink);
      socket.destroy();
      return;
    }
    this.perform(socket, conn, sink, actions);
  }

  /** The session is there: its client's address counts for ACLs of the ip scheme before any request of it runs. */
  private opened(conn: GatewayConnection, socket: net.Socket, info: LocalSessionInfo): ConnectionAction[] {
    this.opts.core.setAddress(info.sessionId, socket.remoteAddress);
    return conn.onOpened(info);
  }

  private perform(socket: net.Socket, conn: GatewayConnection, sink: LocalSink, actions: ConnectionAction[]): void {
    const core = this.opts.core;
    for (const a of actions) {
      if (socket.destroyed) {
        // The client left while its session was being opened: it hears nothing more.
        if (conn.session) core.localDetach(conn.session.sessionId, sink);
        return;
      }
      switch (a.type) {
        case 'write':
          this.write(socket, a.bytes);
          break;
        case 'open':
          core.localOpen(a.timeoutMs, sink).then(
            (info) => this.step(socket, conn, sink, () => this.opened(conn, socket, info)),
            (err: Error) => this.step(socket, conn, sink, () => conn.onOpenFailed(err)),
          );
          break;
        case 'resume':
          core.localResume(a.sessionId, a.secret, a.lastZxid, sink).then(
            (info) => this.step(socket, conn, sink, () => this.opened(conn, socket, info)),
            (err: Error) => this.step(socket, conn, sink, () => conn.onOpenFailed(err)),
          );
          break;
        case 'request': {
          const session = conn.session!;
          core.localRequest(session.sessionId, session.secret, a.request, (reply) => this.step(socket, conn, sink, () => conn.onReply(a.slot, reply, core.lastZxid)));
          break;
        }
        case 'word': {
          let text: string;
          try {
            text = this.opts.word(a.word);
          } catch (err) {
            text = `error: ${(err as Error).message}\n`;
          }
          socket.write(text);
          break;
        }
        case 'end':
          if (conn.session) core.localDetach(conn.session.sessionId, sink);
          socket.end();
          // A client that does not read what is left must not hold the socket open.
          setTimeout(() => socket.destroy(), 2000).unref();
          break;
      }
    }
  }

  /**
   * Replies given in one turn go out in one system call: a client with many requests in
   * flight gets its answers (often a whole committed batch's worth) together.
   */
  private write(socket: net.Socket, bytes: Uint8Array): void {
    if (socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    socket.write(bytes);
  }

  /** No new connections (a stopping gateway's clients must reconnect elsewhere); those open stay. */
  stopListening(): Promise<void> {
    return new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  async close(): Promise<void> {
    const closed = this.stopListening();
    for (const socket of this.sockets.keys()) socket.destroy();
    await closed;
  }
}
