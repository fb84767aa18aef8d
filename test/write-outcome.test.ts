// The leader's answers to a session actor: every kind of outcome comes back as it went, stats
// included, in fewer bytes; a malformed answer is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ZkError } from '../storage/errors.js';
import type { Stat } from '../storage/txn.js';
import { decode, encode } from '../transport/codec.js';
import { errorReply, type WriteBatchReply } from '../transport/messages.js';
import { parseWriteBatchReply, writeBatchReplyForm } from '../transport/write-outcome.js';

const stat = (v: number): Stat => ({
  czxid: 2 ** 32 + v, mzxid: 2 ** 33 + v, ctime: 1_795_600_800_000, mtime: 1_795_600_800_000 + v, version: v, cversion: 2 * v,
  aversion: 3, ephemeralOwner: 0x1234567890, dataLength: 32, numChildren: 4, pzxid: 2 ** 34 + v,
});
const REPLY: WriteBatchReply = {
  outcomes: [
    { zxid: 2 ** 32 + 1, result: { type: 'create', path: '/a', stat: stat(1) } },
    { zxid: 2 ** 32 + 2, result: { type: 'setData', path: '/a', stat: stat(2) } },
    { zxid: 2 ** 32 + 3, result: { type: 'setACL', path: '/a', stat: stat(3) } },
    { zxid: 2 ** 32 + 4, result: { type: 'delete', path: '/a' } },
    { zxid: 2 ** 32 + 5, result: { type: 'createSession', sessionId: 0x77, timeoutMs: 30_000 } },
    { zxid: 2 ** 32 + 6, result: { type: 'closeSession', deleted: ['/e1', '/e2'] } },
    { zxid: 2 ** 32 + 6, result: { type: 'sync' } },
    { zxid: 2 ** 32 + 7, result: { type: 'multi', results: [{ type: 'check', path: '/b' }, { type: 'create', path: '/b/c', stat: stat(7) }, { type: 'multi', results: [] }] } },
    errorReply(new ZkError('NODEEXISTS', '/a exists')),
  ],
};

test('every kind of outcome comes back as it went, stats included', () => {
  assert.equal(parseWriteBatchReply(decode(encode(writeBatchReplyForm(REPLY)))), REPLY);
});

test('a create\'s outcome takes two thirds of the bytes or less', () => {
  const one: WriteBatchReply = { outcomes: [REPLY.outcomes[0]!] };
  const compact = encode(writeBatchReplyForm(one)).length;
  const asMaps = encode(one).length;
  assert.ok(compact * 3 <= asMaps * 2, `${compact} bytes against ${asMaps}`);
});

test('an error that refused the whole batch comes through as it is', () => {
  const refused = errorReply(new ZkError('CONNECTIONLOSS', 'the leader is stepping down; retry'));
  assert.equal(parseWriteBatchReply(decode(encode(refused))), refused);
});

test('a malformed answer is refused with MARSHALLINGERROR', () => {
  const good = decode(encode(writeBatchReplyForm({ outcomes: [REPLY.outcomes[0]!] }))) as { outcomes: { zxid: number; result: { stat: unknown[] } }[] };
  const shortStat = structuredClone(good);
  shortStat.outcomes[0]!.result.stat.pop();
  const textStat = structuredClone(good);
  textStat.outcomes[0]!.result.stat[4] = 'one';
  for (const v of [null, 'x', {}, { outcomes: 'none' }, { outcomes: [{ zxid: 1 }] }, { outcomes: [{ zxid: 'one', result: { type: 'delete', path: '/a' } }] }, { outcomes: [7] }, shortStat, textStat]) {
    try {
      parseWriteBatchReply(v);
      assert.unreachable(`accepted ${JSON.stringify(v)}`);
    } catch (err) {
      assert.instance(err, ZkError);
      assert.is((err as ZkError).code, -5, JSON.stringify(v));
    }
  }
});

test.run();
