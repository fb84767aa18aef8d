// Coordination recipes on the natszk client: `import { Lock, LeaderLatch, ... } from 'natszk/recipes'`.
export { Lock, type LockOptions } from './lock.js';
export { ReadWriteLock } from './rwlock.js';
export { LeaderLatch, LeaderElection, currentLeader } from './leader.js';
export { Barrier, DoubleBarrier } from './barrier.js';
export { DistributedQueue } from './queue.js';
export { SharedCounter } from './counter.js';
export { ServiceRegistry, type ServiceInstance } from './registry.js';
export { ensurePath, type WaitOptions } from './support.js';
