// Virtual time for the simulator: a seeded event queue. Every timer, message delivery and
// disk flush of a simulated ensemble is an event here, so a seed replays exactly.

import type { Clock } from '../../actors/clock.js';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Event {
  time: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Lets promise chains and setImmediate callbacks started by an event finish before the next. */
const settle = () => new Promise<void>((r) => setImmediate(r));

export class Scheduler {
  now = 0;
  private seq = 0;
  private readonly heap: Event[] = [];
  readonly random: () => number;

  constructor(seed: number) {
    this.random = rng(seed);
  }

  at(time: number, fn: () => void): () => void {
    const ev: Event = { time: Math.max(time, this.now), seq: this.seq++, fn, cancelled: false };
    this.push(ev);
    return () => { ev.cancelled = true; };
  }

  after(ms: number, fn: () => void): () => void {
    return this.at(this.now + ms, fn);
  }

  /** A clock for one simulated process; kill() stops all of its timers at once (a crash). */
  clock(): Clock & { kill(): void } {
    const cancels = new Set<() => void>();
    let dead = false;
    return {
      now: () => Math.floor(this.now),
      every: (ms, fn) => {
        let cancel = () => {};
        const tick = () => {
          if (dead) return;
          cancel = this.after(ms, tick);
          fn();
        };
        cancel = this.after(ms, tick);
        const stop = () => cancel();
        cancels.add(stop);
        return () => { cancels.delete(stop); stop(); };
      },
      kill: () => {
        dead = true;
        for (const c of cancels) c();
        cancels.clear();
      },
    };
  }

  async run(until: number, afterEach?: () => void): Promise<void> {
    while (this.heap.length > 0 && this.heap[0]!.time <= until) {
      const ev = this.pop();
      if (ev.cancelled) continue;
      this.now = ev.time;
      ev.fn();
      await settle();
      await settle();
      afterEach?.();
    }
    this.now = Math.max(this.now, until);
  }

  private push(ev: Event): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): Event {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Event, b: Event): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
