// Time as the shells see it. The product uses the system clock; the deterministic simulator
// passes a virtual one, so the same shells run under a seeded schedule.

export interface Clock {
  now(): number;
  /** Calls fn every ms until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};
