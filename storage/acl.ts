// ZooKeeper's access control, as ZooKeeper 3.8 has it (ZooDefs, PrepRequestProcessor's
// fixupACL and checkACL, the digest and ip authentication providers): pure functions over
// ACL lists and the identities a session authenticated with, shared by the leader (writes),
// the session actors (reads), the client library and the gateway.

import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { ZkError } from './errors.js';

/** One entry of a node's ACL: who (scheme:id) may do what (perms bits). */
export interface Acl {
  perms: number;
  scheme: string;
  id: string;
}

/** An identity a session holds: what ZooKeeper calls an Id in a connection's authInfo. */
export interface Identity {
  scheme: string;
  id: string;
}

/** ZooDefs.Perms */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;

/** ZooDefs.Ids */
export const Ids = {
  ANYONE_ID_UNSAFE: { scheme: 'world', id: 'anyone' } as Identity,
  /** in an ACL given at create or setACL: every identity the session authenticated with */
  AUTH_IDS: { scheme: 'auth', id: '' } as Identity,
  OPEN_ACL_UNSAFE: Object.freeze([Object.freeze({ perms: Perms.ALL, scheme: 'world', id: 'anyone' })]) as readonly Acl[],
  CREATOR_ALL_ACL: Object.freeze([Object.freeze({ perms: Perms.ALL, scheme: 'auth', id: '' })]) as readonly Acl[],
  READ_ACL_UNSAFE: Object.freeze([Object.freeze({ perms: Perms.READ, scheme: 'world', id: 'anyone' })]) as readonly Acl[],
} as const;

/** What a node has when nobody gave it an ACL, and what nodes written before ACLs existed read as. */
export const DEFAULT_ACL: readonly Acl[] = Ids.OPEN_ACL_UNSAFE;

/** The identity a super digest grants: it passes every check. */
export const SUPER: Identity = Object.freeze({ scheme: 'super', id: '' });

/** The schemes a node's ACL may name once fixed up ('auth' is expanded away). */
export const ACL_SCHEMES = ['world', 'digest', 'ip'] as const;

// ---------- digest ----------

/** DigestAuthenticationProvider.generateDigest: "user:password" -> "user:base64(sha1(user:password))". */
export function digestOf(userPassword: string): string {
  const colon = userPassword.indexOf(':');
  const user = colon < 0 ? userPassword : userPassword.slice(0, colon);
  return `${user}:${createHash('sha1').update(userPassword, 'utf8').digest('base64')}`;
}

/** As Java's id.split(":").length == 2: one colon, something after it (trailing colons drop). */
function isValidDigestId(id: string): boolean {
  const trimmed = id.replace(/:+$/, '');
  const parts = trimmed.split(':');
  return parts.length === 2;
}

// ---------- ip ----------

/** The address bytes of an IPv4 or IPv6 literal, or undefined. */
function addressBytes(addr: string): number[] | undefined {
  const kind = isIP(addr);
  if (kind === 4) return addr.split('.').map(Number);
  if (kind !== 6) return undefined;
  // Expand '::' and an embedded IPv4 tail into 16 bytes.
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** IPAuthenticationProvider.isValid: an address, or address/bits within its length. */
function isValidIpId(id: string): boolean {
  const slash = id.indexOf('/');
  const bytes = addressBytes(slash < 0 ? id : id.slice(0, slash));
  if (!bytes) return false;
  if (slash < 0) return true;
  const bits = id.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= bytes.length * 8;
}

/** Whether a client address lies in an ACL's address or CIDR range (same family only). */
export function ipMatches(address: string, aclId: string): boolean {
  const slash = aclId.indexOf('/');
  const want = addressBytes(slash < 0 ? aclId : aclId.slice(0, slash));
  const have = addressBytes(address);
  if (!want || !have || want.length !== have.length) return false;
  const bits = slash < 0 ? want.length * 8 : Number(aclId.slice(slash + 1));
  for (let i = 0; i < want.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    const mask = (0xff << (8 - take)) & 0xff;
    if ((want[i]! & mask) !== (have[i]! & mask)) return false;
  }
  return true;
}

/** Whether a session's address is one an ip identity can carry. */
export function isValidAddress(address: string): boolean {
  return isIP(address) !== 0;
}

/**
 * A client address as an ip identity holds it: an IPv4 client on a dual-stack socket shows in
 * Node as ::ffff:a.b.c.d, where Java (and so ZooKeeper) sees a.b.c.d and matches IPv4 ranges.
 */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped && isIP(mapped[1]!) === 4 ? mapped[1]! : address;
}

// ---------- authentication ----------

/**
 * What addAuth(scheme, auth) adds to a session: for digest, the digest of "user:password"
 * (and super, when it is the configured super digest). Any other scheme is AUTHFAILED, as
 * ZooKeeper answers a scheme it has no provider for (ip is given by the connection, never asked for).
 */
export function authenticate(scheme: string, auth: string, superDigest?: string): Identity[] {
  if (scheme !== 'digest') throw new ZkError('AUTHFAILED', `no authentication provider for scheme '${scheme}'`);
  const id = digestOf(auth);
  return superDigest !== undefined && id === superDigest ? [{ scheme: 'digest', id }, SUPER] : [{ scheme: 'digest', id }];
}

/** A super digest as --super-digest gives it: "user:base64(sha1(user:password))". */
export function isValidSuperDigest(digest: string): boolean {
  return isValidDigestId(digest) && !digest.endsWith(':');
}

// ---------- ACL lists ----------

function isValidId(scheme: string, id: string): boolean {
  switch (scheme) {
    case 'world': return id === 'anyone';
    case 'digest': return isValidDigestId(id);
    case 'ip': return isValidIpId(id);
    default: return false;
  }
}

const sameEntry = (a: Acl, b: Acl) => a.perms === b.perms && a.scheme === b.scheme && a.id === b.id;

/**
 * PrepRequestProcessor.fixupACL: the ACL a create or setACL stores. Duplicates go; 'auth'
 * becomes one entry per identity the session authenticated with (INVALIDACL when it has
 * none); every other entry must name a known scheme and a well-formed id. natszk also
 * refuses perms outside ALL (ZooKeeper stores such bits, which mean nothing).
 */
export function fixupAcl(path: string, acl: readonly Acl[], identities: readonly Identity[]): Acl[] {
  const unique: Acl[] = [];
  for (const a of acl) if (!unique.some((u) => sameEntry(u, a))) unique.push(a);
  if (unique.length === 0) throw new ZkError('INVALIDACL', `${path}: an ACL needs at least one entry`);
  const out: Acl[] = [];
  for (const a of unique) {
    checkAclEntry(path, a);
    if (a.scheme === 'auth') {
      // Only identities a provider authenticated (digest) stand in for 'auth'; ip and super do not.
      const authenticated = identities.filter((i) => i.scheme === 'digest');
      if (authenticated.length === 0) throw new ZkError('INVALIDACL', `${path}: 'auth' needs a session that authenticated (addAuth)`);
      for (const i of authenticated) out.push({ perms: a.perms, scheme: i.scheme, id: i.id });
    } else {
      out.push({ perms: a.perms, scheme: a.scheme, id: a.id });
    }
  }
  return out;
}

/** What can be known of one entry without the session: perms within ALL, a known scheme, a well-formed id. */
export function checkAclEntry(path: string, a: Acl): void {
  if (!Number.isInteger(a.perms) || a.perms < 0 || a.perms > Perms.ALL) throw new ZkError('INVALIDACL', `${path}: perms ${a.perms} are not bits of ALL (31)`);
  if (a.scheme !== 'auth' && !isValidId(a.scheme, a.id)) throw new ZkError('INVALIDACL', `${path}: '${a.scheme}:${a.id}' is not a valid ACL id`);
}

/** An ACL as given, checked as far as it can be without the session (everything but expanding 'auth'). */
export function checkAclList(path: string, acl: readonly Acl[]): void {
  if (acl.length === 0) throw new ZkError('INVALIDACL', `${path}: an ACL needs at least one entry`);
  for (const a of acl) checkAclEntry(path, a);
}

/** ZooKeeperServer.checkACL: whether identities may do perm on a node with this ACL. */
export function permits(acl: readonly Acl[], perm: number, identities: readonly Identity[]): boolean {
  if (acl.length === 0) return true;
  if (identities.some((i) => i.scheme === 'super')) return true;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    if (a.scheme === 'world' && a.id === 'anyone') return true;
    for (const i of identities) {
      if (i.scheme !== a.scheme) continue;
      if (a.scheme === 'digest' && i.id === a.id) return true;
      if (a.scheme === 'ip' && ipMatches(i.id, a.id)) return true;
    }
  }
  return false;
}

/** checkACL, throwing NOAUTH as ZooKeeper does. */
export function checkAcl(acl: readonly Acl[], perm: number, identities: readonly Identity[], path: string): void {
  if (!permits(acl, perm, identities)) throw new ZkError('NOAUTH', `${path}: not allowed to ${permNames(perm)}`);
}

/** What getACL shows a reader without ADMIN: digest ids without their hash, as ZooKeeper 3.8 redacts them. */
export function redactAcl(acl: readonly Acl[]): Acl[] {
  return acl.map((a) => a.scheme === 'digest' ? { ...a, id: a.id.replace(/:.*/s, ':x') } : { ...a });
}

const PERM_LETTERS: [string, number][] = [['c', Perms.CREATE], ['d', Perms.DELETE], ['r', Perms.READ], ['w', Perms.WRITE], ['a', Perms.ADMIN]];

/** zkCli's perms text: 'cdrwa' order. */
export function permString(perms: number): string {
  return PERM_LETTERS.filter(([, bit]) => (perms & bit) !== 0).map(([l]) => l).join('');
}

/** zkCli's perms text back to bits; undefined for a letter that is not one of c, d, r, w, a. */
export function parsePerms(text: string): number | undefined {
  let perms = 0;
  for (const ch of text) {
    const bit = PERM_LETTERS.find(([l]) => l === ch)?.[1];
    if (bit === undefined) return undefined;
    perms |= bit;
  }
  return perms;
}

function permNames(perm: number): string {
  const names = (Object.entries(Perms) as [string, number][]).filter(([n, bit]) => n !== 'ALL' && (perm & bit) !== 0).map(([n]) => n);
  return names.join(' or ');
}

/** Whether two ACLs are the same list, entry for entry. */
export function aclEquals(a: readonly Acl[], b: readonly Acl[]): boolean {
  return a.length === b.length && a.every((x, i) => sameEntry(x, b[i]!));
}
