// A session actor's writes to the leader: every kind of write arrives as it was sent, in fewer
// bytes, checked as a client's request is; a malformed one is refused with ZooKeeper's code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ZkError } from '../storage/errors.js';
import { decode, encode } from '../transport/codec.js';
import { DEFAULT_LIMITS, type ForwardedWrite } from '../transport/messages.js';
import { parseWriteBatch, writeBatchForm } from '../transport/write-batch.js';

const data = new Uint8Array(32).fill(7);
const bob = { scheme: 'digest', id: 'bob:hash' };
const WRITES: ForwardedWrite[] = [
  { sessionId: 0x1234567890, op: { op: 'create', path: '/a', data, mode: 0, ttlMs: 0 } },
  { sessionId: 5, op: { op: 'create', path: '/t-', data, mode: 6, ttlMs: 5000, acl: [{ perms: 31, scheme: 'digest', id: 'bob:hash' }, { perms: 1, scheme: 'world', id: 'anyone' }] }, auth: [bob] },
  { sessionId: 5, op: { op: 'delete', path: '/a', version: -1 } },
  { sessionId: 5, op: { op: 'setData', path: '/a', data, version: 3 } },
  { sessionId: 5, op: { op: 'setACL', path: '/a', acl: [{ perms: 1, scheme: 'world', id: 'anyone' }], version: 0 }, auth: [bob, { scheme: 'ip', id: '10.0.0.1' }] },
  { sessionId: 5, op: { op: 'multi', ops: [{ op: 'create', path: '/m', data, mode: 1, ttlMs: 0 }, { op: 'check', path: '/m', version: 0 }, { op: 'setData', path: '/m', data, version: -1 }, { op: 'delete', path: '/m', version: 1 }] } },
  { sessionId: 0, op: { op: 'createSession', timeoutMs: 30_000, secretHash: 'ab'.repeat(32) } },
  { sessionId: 5, op: { op: 'closeSession' } },
  { sessionId: 5, op: { op: 'sync', path: '/a' } },
];

const roundTrip = (writes: ForwardedWrite[]) => parseWriteBatch(decode(encode(writeBatchForm(writes))), DEFAULT_LIMITS);

test('every kind of write arrives as it was sent', () => {
  assert.equal(roundTrip(WRITES).writes, WRITES);
  assert.equal(roundTrip([]).writes, []);
});

test('a create of 32 bytes takes two thirds of the bytes of its map form or less', () => {
  const one = [WRITES[0]!];
  const compact = encode(writeBatchForm(one)).length;
  const asMaps = encode({ writes: one }).length;
  assert.ok(compact * 3 <= asMaps * 2, `${compact} bytes against ${asMaps}`);
});

test('the leader checks a forwarded write as it checks a client\'s request', () => {
  const codeOf = (writes: unknown[]) => {
    try {
      parseWriteBatch(decode(encode({ writes })), DEFAULT_LIMITS);
      return 'accepted';
    } catch (err) {
      assert.instance(err, ZkError);
      return (err as ZkError).codeName;
    }
  };
  assert.is(codeOf([[1, [0, 'relative', data, 0, 0, null]]]), 'BADARGUMENTS', 'a bad path');
  assert.is(codeOf([[1, [0, '/a', new Uint8Array(DEFAULT_LIMITS.maxDataBytes + 1), 0, 0, null]]]), 'BADARGUMENTS', 'data over the limit');
  assert.is(codeOf([[1, [0, '/a', data, 9, 0, null]]]), 'BADARGUMENTS', 'an unknown create mode');
  assert.is(codeOf([[1, [0, '/a', data, 0, 0, [[99, 'world', 'anyone']]]]]), 'INVALIDACL', 'perms outside ALL');
  assert.is(codeOf([[1, [3, '/a', 0]]]), 'BADARGUMENTS', 'check is only for a multi');
  assert.is(codeOf([[1, [5, [[5, []]]]]]), 'UNIMPLEMENTED', 'no multi inside a multi');
  assert.is(codeOf([[1, [99]]]), 'UNIMPLEMENTED', 'an unknown op');
});

test('a malformed batch is refused with MARSHALLINGERROR', () => {
  for (const body of [null, 'x', {}, { writes: 'none' }, { writes: [{ sessionId: 0, op: { op: 'delete', path: '/a', version: -1 } }] },
    { writes: [[1]] }, { writes: [['one', [1, '/a', -1]]] }, { writes: [[-1, [1, '/a', -1]]] }, { writes: [[1, [1, '/a']]] },
    { writes: [[1, 'delete']] }, { writes: [[1, [1, '/a', -1], 'bob']] }, { writes: [[1, [1, '/a', -1], [], 'extra']] }]) {
    try {
      parseWriteBatch(body, DEFAULT_LIMITS);
      assert.unreachable(`accepted ${JSON.stringify(body)}`);
    } catch (err) {
      assert.instance(err, ZkError);
      assert.is((err as ZkError).codeName, 'MARSHALLINGERROR', JSON.stringify(body));
    }
  }
});

test.run();
