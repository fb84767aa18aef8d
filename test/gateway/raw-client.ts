// A ZooKeeper client reduced to frames on a socket, for tests that check the wire itself.

import net from 'node:net';
import { FrameSplitter } from '../../transport/jute/frames.js';
import { encodeRequest, type ZkRequest } from '../../transport/jute/requests.js';
import { decodeConnectResponse, decodeReplyHeader, encodeConnectRequest, type ConnectResponse, type ReplyFrame } from '../../transport/jute/responses.js';
import { waitFor } from '../harness/wait.js';

/** A ZooKeeper client reduced to frames on a socket. */
export class RawClient {
  readonly frames: Uint8Array[] = [];
  closed = false;
  private readonly splitter = new FrameSplitter(1 << 22);
  private readonly sock: net.Socket;

  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('data', (d) => this.frames.push(...this.splitter.push(d)));
    this.sock.on('close', () => (this.closed = true));
    this.sock.on('error', () => undefined);
  }

  write(bytes: Uint8Array): void { this.sock.write(bytes); }

  async next(): Promise<Uint8Array> {
    await waitFor('a frame from the gateway', () => (this.frames.length > 0 ? true : undefined), 20_000);
    return this.frames.shift()!;
  }

  async handshake(sessionId = 0, passwd: Uint8Array = new Uint8Array(16), readOnly?: boolean): Promise<ConnectResponse> {
    this.write(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0, timeOut: 6000, sessionId, passwd, readOnly }));
    return decodeConnectResponse(await this.next());
  }

  async request(xid: number, req: ZkRequest): Promise<ReplyFrame> {
    this.write(encodeRequest(xid, req));
    return decodeReplyHeader(await this.next());
  }

  end(): void { this.sock.destroy(); }
}

