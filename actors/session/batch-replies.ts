// The answers to a batch (a client's requests of one turn, in one NATS message) go back in as
// few messages as they are ready in: every answer given in one turn of the event loop travels
// in one part { first, replies }, in request order.

import type { BatchReplyPart } from '../../transport/messages.js';

export class BatchReplies {
  private ready: object[] = [];
  private answered = 0;

  constructor(private readonly publish: (part: BatchReplyPart) => void) {}

  /** The next answer, in request order. */
  add(body: object): void {
    // After the whole cascade of promise reactions this answer is part of: a run of reads
    // answered one after another, or the writes one committed batch completes, go together.
    if (this.ready.push(body) === 1) process.nextTick(() => this.flush());
  }

  private flush(): void {
    const replies = this.ready;
    this.ready = [];
    this.publish({ first: this.answered, replies });
    this.answered += replies.length;
  }
}
