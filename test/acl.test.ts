// The ACL model alone: digests, ip ranges, fixupACL and checkACL as ZooKeeper 3.8 has them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { authenticate, checkAcl, digestOf, fixupAcl, Ids, ipMatches, isValidSuperDigest, normalizeAddress, parsePerms, permits, permString, Perms, redactAcl, SUPER, type Acl } from '../storage/acl.js';
import { ZkError } from '../storage/errors.js';
import { createHash } from 'node:crypto';

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    assert.instance(err, ZkError);
    return (err as ZkError).codeName;
  }
  return 'OK';
};

test('digest: user:base64(sha1(user:password)), as DigestAuthenticationProvider.generateDigest', () => {
  // The digest zkCli users know: super:admin is the documented example.
  assert.is(digestOf('super:admin'), 'super:xQJmxLMiHGwaqBvst5y6rkB6HQs=');
  assert.is(digestOf('bob:p:w'), `bob:${createHash('sha1').update('bob:p:w').digest('base64')}`, 'the password may hold colons');
  assert.is(digestOf('nobody').split(':')[0], 'nobody', 'no colon: the whole text is the user');
});

test('authenticate: digest gives its identity, the super digest super too; any other scheme is AUTHFAILED', () => {
  assert.equal(authenticate('digest', 'bob:pw'), [{ scheme: 'digest', id: digestOf('bob:pw') }]);
  assert.equal(authenticate('digest', 'root:pw', digestOf('root:pw')), [{ scheme: 'digest', id: digestOf('root:pw') }, SUPER]);
  assert.equal(authenticate('digest', 'root:wrong', digestOf('root:pw')).length, 1);
  assert.is(code(() => authenticate('ip', '10.0.0.1')), 'AUTHFAILED', 'ip comes from the connection, never from addAuth');
  assert.is(code(() => authenticate('sasl', 'x')), 'AUTHFAILED');
  assert.ok(isValidSuperDigest(digestOf('root:pw')));
  assert.not.ok(isValidSuperDigest('root'));
});

test('ip: addresses and CIDR ranges, IPv4 and IPv6, never across families', () => {
  assert.ok(ipMatches('10.1.2.3', '10.1.2.3'));
  assert.ok(ipMatches('10.1.2.3', '10.0.0.0/8'));
  assert.not.ok(ipMatches('11.1.2.3', '10.0.0.0/8'));
  assert.ok(ipMatches('192.168.1.130', '192.168.1.128/25'));
  assert.not.ok(ipMatches('192.168.1.127', '192.168.1.128/25'));
  assert.ok(ipMatches('1.2.3.4', '0.0.0.0/0'));
  assert.ok(ipMatches('fe80::1', 'fe80::/10'));
  assert.ok(ipMatches('2001:db8::5', '2001:db8:0:0:0:0:0:5'));
  assert.not.ok(ipMatches('2001:db9::5', '2001:db8::/32'));
  assert.not.ok(ipMatches('10.0.0.1', '::/0'));
  assert.not.ok(ipMatches('not-an-ip', '10.0.0.0/8'));
  assert.is(normalizeAddress('::ffff:10.1.2.3'), '10.1.2.3', 'an IPv4 client of a dual-stack socket is an IPv4 address');
  assert.is(normalizeAddress('2001:db8::1'), '2001:db8::1');
});

const open: Acl[] = [...Ids.OPEN_ACL_UNSAFE];
const bob = { scheme: 'digest', id: digestOf('bob:pw') };

test('fixupAcl: duplicates go, auth expands to digest identities, bad entries are INVALIDACL', () => {
  assert.equal(fixupAcl('/x', [...open, ...open], []), open);
  assert.equal(fixupAcl('/x', [...Ids.CREATOR_ALL_ACL], [bob, { scheme: 'ip', id: '1.2.3.4' }, SUPER]), [{ perms: 31, ...bob }]);
  for (const bad of [
    [],
    [{ perms: 31, scheme: 'world', id: 'everyone' }],
    [{ perms: 31, scheme: 'nope', id: 'x' }],
    [{ perms: 32, scheme: 'world', id: 'anyone' }],
    [{ perms: -1, scheme: 'world', id: 'anyone' }],
    [{ perms: 1, scheme: 'digest', id: 'bob' }],
    [{ perms: 1, scheme: 'digest', id: 'bob:' }],
    [{ perms: 1, scheme: 'digest', id: 'a:b:c' }],
    [{ perms: 1, scheme: 'ip', id: '10.0.0.256' }],
    [{ perms: 1, scheme: 'ip', id: '10.0.0.0/33' }],
    [{ perms: 1, scheme: 'ip', id: 'fe80::/129' }],
    [{ perms: 1, scheme: 'ip', id: 'host.example' }],
    [...Ids.CREATOR_ALL_ACL],
  ] as Acl[][]) {
    assert.is(code(() => fixupAcl('/x', bad, [])), 'INVALIDACL', JSON.stringify(bad));
  }
  assert.equal(fixupAcl('/x', [{ perms: 0, scheme: 'ip', id: '10.0.0.0/8' }], []), [{ perms: 0, scheme: 'ip', id: '10.0.0.0/8' }], 'perms 0 is a valid (useless) entry, as in ZooKeeper');
});

test('checkAcl: a perm is granted by world:anyone, a matching digest or ip, or super; else NOAUTH', () => {
  const acl: Acl[] = [{ perms: Perms.READ, scheme: 'world', id: 'anyone' }, { perms: Perms.ALL, ...bob }, { perms: Perms.WRITE, scheme: 'ip', id: '10.0.0.0/8' }];
  assert.ok(permits(acl, Perms.READ, []));
  assert.not.ok(permits(acl, Perms.WRITE, []));
  assert.ok(permits(acl, Perms.WRITE, [{ scheme: 'ip', id: '10.9.9.9' }]));
  assert.not.ok(permits(acl, Perms.WRITE, [{ scheme: 'ip', id: '11.0.0.1' }]));
  assert.not.ok(permits(acl, Perms.ADMIN, [{ scheme: 'digest', id: digestOf('bob:wrong') }]));
  assert.ok(permits(acl, Perms.ADMIN, [bob]));
  assert.not.ok(permits(acl, Perms.ADMIN, [{ scheme: 'ip', id: bob.id }]), 'an identity matches only entries of its own scheme');
  assert.ok(permits([{ perms: 0, ...bob }], Perms.ADMIN, [SUPER]));
  assert.ok(permits(acl, Perms.READ | Perms.ADMIN, []), 'any one of the perms asked for is enough (getACL asks READ|ADMIN)');
  assert.ok(permits([], Perms.ALL, []), 'an empty ACL (never stored by natszk) lets everything through, as checkACL does');
  assert.is(code(() => checkAcl(acl, Perms.DELETE, [], '/x')), 'NOAUTH');
});

test('redaction and zkCli perms text', () => {
  assert.equal(redactAcl([{ perms: 31, ...bob }, ...open]), [{ perms: 31, scheme: 'digest', id: 'bob:x' }, ...open]);
  assert.is(permString(Perms.ALL), 'cdrwa');
  assert.is(permString(Perms.READ | Perms.ADMIN), 'ra');
  assert.is(parsePerms('rw'), Perms.READ | Perms.WRITE);
  assert.is(parsePerms('cdrwa'), Perms.ALL);
  assert.is(parsePerms('rx'), undefined);
});

test.run();
