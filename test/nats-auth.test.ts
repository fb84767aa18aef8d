// natszk against a NATS that wants TLS and NKey authentication, configured the way an
// operator does it: one JSON config file (--config) for every process, and the client's own
// auth options. Certificates come from openssl, the NKey from the NATS client's nkeys.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nkeys } from 'nats';
import { connect } from '../client/index.js';
import { Cluster } from './harness/processes.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'natszk-auth-'));
const file = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=natszk test CA');
openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf');
const user = nkeys.createUser();
writeFileSync(file('natszk.nk'), new TextDecoder().decode(user.getSeed()));
writeFileSync(file('natszk.json'), JSON.stringify({ natsNkey: file('natszk.nk'), natsTlsCa: file('ca.pem') }));
const natsConfig = `tls {\n  cert_file: "${file('server.pem')}"\n  key_file: "${file('server-key.pem')}"\n}\nauthorization {\n  users: [ { nkey: ${user.getPublicKey()} } ]\n}`;
const auth = { nkeySeedFile: file('natszk.nk'), tls: { caFile: file('ca.pem') } };

let cluster: Cluster;

test.before(async () => {
  const config = ['--config', file('natszk.json')];
  cluster = await Cluster.start({ servers: 3, natsConfig, serverArgs: config, sessionArgs: config, auth });
});

test.after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('servers and session actors configured by one JSON file serve over TLS with an NKey', async () => {
  const zk = await cluster.client();
  await zk.create('/secure', 'over tls');
  assert.is(Buffer.from((await zk.getData('/secure')).data).toString(), 'over tls');
  assert.equal((await cluster.settled()).map((s) => s.role).sort(), ['follower', 'follower', 'leader'], 'every server joined over TLS');
  await zk.close();
});

test('without the CA the certificate is refused; without the NKey the user is', async () => {
  assert.ok(await failure(connect({ servers: cluster.url, ensemble: cluster.ensemble, auth: { nkeySeedFile: file('natszk.nk') }, requestTimeout: 2000 })), 'connected without trusting the CA');
  const stranger = nkeys.createUser();
  writeFileSync(file('stranger.nk'), new TextDecoder().decode(stranger.getSeed()));
  try {
    await connect({ servers: cluster.url, ensemble: cluster.ensemble, auth: { nkeySeedFile: file('stranger.nk'), tls: { caFile: file('ca.pem') } } });
    assert.unreachable('an unknown NKey connected');
  } catch (err) {
    assert.match(String((err as Error).message), /Authorization Violation/i);
  }
  assert.match(String(await failure(connect({ servers: cluster.url, ensemble: cluster.ensemble, auth: { nkeySeedFile: file('missing.nk') } }))), /cannot read the NATS NKey seed file/);
});

async function failure(p: Promise<{ close(): Promise<void> }>): Promise<unknown> {
  try {
    await (await p).close();
    return undefined;
  } catch (err) {
    return err;
  }
}

test.run();
