// A zxid is epoch * 2^32 + counter, kept as a plain JS number. That stays exact while the
// epoch is below 2^21, which we assert rather than pay for bigint on every hot path.

export type Zxid = number;

const COUNTER_SPAN = 2 ** 32;
export const MAX_EPOCH = 2 ** 21 - 1;
/** The leader forces a new epoch before its counter reaches this (ZooKeeper does the same). */
export const MAX_COUNTER = COUNTER_SPAN - 1;

export function makeZxid(epoch: number, counter: number): Zxid {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new RangeError(`epoch ${epoch} out of range`);
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new RangeError(`zxid counter ${counter} out of range`);
  return epoch * COUNTER_SPAN + counter;
}

export function epochOf(zxid: Zxid): number {
  return Math.floor(zxid / COUNTER_SPAN);
}

export function counterOf(zxid: Zxid): number {
  return zxid % COUNTER_SPAN;
}

/** Transactions from behind to ahead when both are of one epoch; across epochs, all of ahead's epoch. */
export function transactionsBehind(ahead: Zxid, behind: Zxid): number {
  return epochOf(ahead) === epochOf(behind) ? counterOf(ahead) - counterOf(behind) : counterOf(ahead);
}

export function formatZxid(zxid: Zxid): string {
  return '0x' + zxid.toString(16);
}
