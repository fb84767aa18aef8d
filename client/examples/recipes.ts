// The README's recipes example: node dist/client/examples/recipes.js nats://127.0.0.1:4222
import { connect } from 'natszk';
import { LeaderLatch, Lock, ServiceRegistry, SharedCounter } from 'natszk/recipes';

const url = process.argv[2] ?? 'nats://127.0.0.1:4222';
const [a, b] = await Promise.all([connect({ servers: url }), connect({ servers: url })]);
try {
  // Exclusive lock: b waits until a releases.
  const lockA = new Lock(a, '/locks/report');
  const lockB = new Lock(b, '/locks/report');
  await lockA.acquire();
  const bGotIt = lockB.acquire();
  console.log(`a holds the lock: ${lockA.held}; b is waiting: ${!lockB.held}`);
  await lockA.release();
  await bGotIt;
  console.log(`after a's release, b holds it: ${lockB.held}`);
  await lockB.release();

  // Leader latch: the first candidate leads until it closes (or its session ends).
  const first = new LeaderLatch(a, '/election/scheduler', 'node-a');
  const second = new LeaderLatch(b, '/election/scheduler', 'node-b');
  first.start();
  await first.await();
  second.start();
  second.on('leader', () => console.log('node-b leads now'));
  await first.close();
  await second.await();
  await second.close();

  // Shared counter: compare-and-set on the node's version, so no increment is lost.
  const counter = new SharedCounter(a, '/counters/jobs');
  await counter.start();
  await Promise.all([counter.add(1), new SharedCounter(b, '/counters/jobs').add(1)]);
  console.log(`jobs: ${(await counter.get()).value}`);

  // Service registry: an instance is listed while its session lives.
  const registry = new ServiceRegistry(a);
  await registry.register('api', { id: 'a', address: '10.0.0.1', port: 8080 });
  console.log(`api instances: ${(await new ServiceRegistry(b).instances('api')).map((i) => `${i.address}:${i.port}`).join(', ')}`);
} finally {
  await Promise.all([a.close(), b.close()]);
}
