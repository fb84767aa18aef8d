// The simulator's bus: the Bus contract (at most once, FIFO from one publisher to one
// subscriber, immediate no-responders) over an in-memory network whose deliveries the
// scheduler times, and where the simulation drops, duplicates, delays and partitions.
// A test instrument only: the product always runs on NatsBus.

import { NoRespondersError, onlyReply, RequestTimeoutError, type Bus, type BusMessage, type Subscription } from '../../transport/bus.js';
import type { Scheduler } from './scheduler.js';

export interface Faults {
  drop: number;
  duplicate: number;
  maxDelayMs: number;
  /** "a>b": nothing from a reaches b */
  blocked: Set<string>;
}

interface Sub {
  node: string;
  subject: string;
  queue?: string;
  handler: (msg: BusMessage) => void;
  active: boolean;
}

function matches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

export class MemNet {
  /** Subscriptions by exact subject, and the few with wildcards, so routing stays cheap with many inboxes. */
  private readonly exact = new Map<string, Sub[]>();
  private wildcard: Sub[] = [];
  private inbox = 0;
  private queuePick = 0;
  /** per (from, to): when its last message lands, so later ones never overtake it */
  private readonly channelClock = new Map<string, number>();
  readonly faults: Faults = { drop: 0, duplicate: 0, maxDelayMs: 0, blocked: new Set() };
  delivered = 0;
  /** Sees every message as it is published (scenarios crash a server at a protocol step; invariants watch acks). */
  onPublish?: (from: string, subject: string, data: Uint8Array) => void;

  constructor(readonly sched: Scheduler) {}

  bus(node: string): MemBus {
    return new MemBus(this, node);
  }

  add(sub: Sub): void {
    if (sub.subject.includes('*') || sub.subject.includes('>')) {
      this.wildcard.push(sub);
      return;
    }
    const list = this.exact.get(sub.subject);
    if (list) list.push(sub);
    else this.exact.set(sub.subject, [sub]);
  }

  remove(sub: Sub): void {
    sub.active = false;
    const list = this.exact.get(sub.subject);
    if (list) {
      const rest = list.filter((s) => s !== sub);
      if (rest.length > 0) this.exact.set(sub.subject, rest);
      else this.exact.delete(sub.subject);
    }
    this.wildcard = this.wildcard.filter((s) => s !== sub);
  }

  newInbox(): string { return `_INBOX.${++this.inbox}`; }

  route(from: string, subject: string, data: Uint8Array, reply?: string): number {
    this.onPublish?.(from, subject, data);
    const targets: Sub[] = [];
    const groups = new Map<string, Sub[]>();
    const candidates = this.wildcard.length > 0 ? [...(this.exact.get(subject) ?? []), ...this.wildcard] : this.exact.get(subject) ?? [];
    for (const s of candidates) {
      if (!matches(s.subject, subject)) continue;
      if (s.queue) groups.set(s.queue, [...(groups.get(s.queue) ?? []), s]);
      else targets.push(s);
    }
    for (const members of groups.values()) targets.push(members[this.queuePick++ % members.length]!);
    for (const t of targets) this.send(from, t, { subject, data: data.slice(), reply });
    return targets.length;
  }

  private send(from: string, to: Sub, msg: BusMessage): void {
    const { sched, faults } = this;
    if (faults.blocked.has(`${from}>${to.node}`) || sched.random() < faults.drop) return;
    // Duplicates stand for the protocol's own re-sends between servers; NATS itself never
    // delivers a client's request twice, and a write applied twice is no fault of the ensemble.
    const copies = from !== 'client' && sched.random() < faults.duplicate ? 2 : 1;
    const key = `${from}>${to.node}`;
    for (let i = 0; i < copies; i++) {
      const at = Math.max(this.channelClock.get(key) ?? 0, sched.now + sched.random() * faults.maxDelayMs);
      this.channelClock.set(key, at);
      sched.at(at, () => {
        if (!to.active) return;
        this.delivered++;
        to.handler(msg);
      });
    }
  }
}

export class MemBus implements Bus {
  private readonly mine: Sub[] = [];
  private dead = false;
  readonly maxPayload = 8 * 1024 * 1024;

  constructor(private readonly net: MemNet, readonly node: string) {}

  inbox(): string {
    return this.net.newInbox();
  }

  publish(subject: string, data: Uint8Array): void {
    // A hook may crash this very process while its message is being routed.
    if (!this.dead) this.net.route(this.node, subject, data);
  }

  subscribe(subject: string, handler: (msg: BusMessage) => void, opts: { queue?: string } = {}): Subscription {
    const sub: Sub = { node: this.node, subject, queue: opts.queue, handler, active: !this.dead };
    if (!this.dead) {
      this.net.add(sub);
      this.mine.push(sub);
    }
    return { unsubscribe: () => this.net.remove(sub) };
  }

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return onlyReply(this, subject, data, timeoutMs);
  }

  requestParts(subject: string, data: Uint8Array, timeoutMs: number, onPart: (data: Uint8Array) => boolean): Promise<void> {
    if (this.dead) return new Promise(() => {});
    return new Promise((resolve, reject) => {
      const inbox = this.net.newInbox();
      let cancel = () => {};
      const sub: Sub = {
        node: this.node, subject: inbox, active: true,
        handler: (msg) => {
          if (!onPart(msg.data)) return;
          cancel();
          this.net.remove(sub);
          resolve();
        },
      };
      this.net.add(sub);
      if (this.net.route(this.node, subject, data, inbox) === 0) {
        this.net.remove(sub);
        return reject(new NoRespondersError(subject));
      }
      cancel = this.net.sched.after(timeoutMs, () => {
        this.net.remove(sub);
        reject(new RequestTimeoutError(subject, timeoutMs));
      });
    });
  }

  /** A crash: all of this process's subscriptions vanish; it sends nothing more. */
  crash(): void {
    this.dead = true;
    for (const s of this.mine) this.net.remove(s);
  }

  async close(): Promise<void> {
    this.crash();
  }
}
