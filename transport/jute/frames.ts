// TCP gives bytes, not frames: a chunk may hold half a frame or several. This gathers chunks
// and hands out whole payloads (length prefix stripped); a length no request could have is a
// stream out of step, which only closing the connection cures.

import { JuteError } from './buffers.js';

export class FrameSplitter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxFrame: number) {}

  /** The bytes received so far that are not yet a whole frame. */
  get buffered(): Uint8Array { return this.joined(); }

  private joined(): Uint8Array {
    if (this.pending.length === 1) return this.pending[0]!;
    const out = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const c of this.pending) {
      out.set(c, at);
      at += c.length;
    }
    this.pending = out.length > 0 ? [out] : [];
    return out;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length === 0) return [];
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < 4) return [];
    const bytes = this.joined();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const frames: Uint8Array[] = [];
    let at = 0;
    while (bytes.length - at >= 4) {
      const n = view.getInt32(at);
      if (n < 0 || n > this.maxFrame) throw new JuteError(`frame length ${n} is not a request`);
      if (bytes.length - at - 4 < n) break;
      frames.push(bytes.subarray(at + 4, at + 4 + n));
      at += 4 + n;
    }
    const rest = bytes.subarray(at);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return frames;
  }
}
