// The README's example program: node dist/client/examples/hello.js nats://127.0.0.1:4222
import { BadVersionError, connect, CreateMode } from 'natszk';

const zk = await connect({ servers: process.argv[2] ?? 'nats://127.0.0.1:4222' });
try {
  await zk.create('/app', 'config v1');
  const { data, stat } = await zk.getData('/app');
  console.log(`/app = ${Buffer.from(data).toString()} (version ${stat.version})`);

  await zk.setData('/app', 'config v2', stat.version); // compare-and-set on the version
  const member = await zk.create('/app/member-', 'me', { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
  console.log(`joined as ${member}; members: ${(await zk.getChildren('/app')).join(', ')}`);

  await zk.multi([
    { op: 'check', path: '/app', version: 1 },
    { op: 'create', path: '/app/ready', data: '' },
  ]);
  try {
    await zk.delete('/app', 0);
  } catch (err) {
    if (!(err instanceof BadVersionError)) throw err;
    console.log(`delete /app: ${err.codeName}`); // someone changed /app since we read it
  }
} finally {
  await zk.close(); // the ephemeral member node goes with the session
}
