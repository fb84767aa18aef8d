// What the client sends for a session's request: the request with its session's fields, as
// the session actor decodes it, whatever the request holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeWithFields, type SessionTarget } from '../client/requests.js';
import { decode } from '../transport/codec.js';
import { parseSessionFields, parseSessionRequest } from '../transport/messages.js';

const target: SessionTarget = { subject: 'natszk.test.session.a1', fields: { session: 0x1234567890, secret: 'ab'.repeat(16) } };

test('a request carries its session\'s fields beside its own, as one map', () => {
  const bodies = [
    { op: 'getData', path: '/k' },
    { op: 'getData', path: '/k', watch: true },
    { op: 'create', path: '/a/b-', data: new Uint8Array([1, 2, 3]), mode: 2, acl: [{ perms: 31, scheme: 'world', id: 'anyone' }] },
    { op: 'setData', path: '/ü/€', data: new Uint8Array(300).fill(9), version: 7 },
    { op: 'ping' },
  ];
  for (const body of bodies) {
    const sent = decode(encodeWithFields(body, target));
    assert.equal(sent, { ...body, ...target.fields });
    assert.equal(parseSessionFields(sent), { sessionId: 0x1234567890, secret: 'ab'.repeat(16) });
  }
  assert.equal(parseSessionRequest(decode(encodeWithFields(bodies[0]!, target))), { op: 'getData', path: '/k', watch: false });
});

test('a request with more fields than a small map holds is sent whole all the same', () => {
  const body: Record<string, unknown> = { op: 'getData', path: '/k' };
  for (let i = 0; i < 14; i++) body[`extra${i}`] = i;
  assert.equal(decode(encodeWithFields(body, target)), { ...body, ...target.fields });
});

test('each session sends its own fields', () => {
  const other: SessionTarget = { subject: target.subject, fields: { session: 7, secret: 'cd'.repeat(16) } };
  const body = { op: 'exists', path: '/x' };
  assert.equal(decode(encodeWithFields(body, target)), { ...body, ...target.fields });
  assert.equal(decode(encodeWithFields(body, other)), { ...body, ...other.fields });
});

test.run();
