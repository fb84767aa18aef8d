// ZooKeeper's wire numbers (ZooDefs.OpCode, the special xids, Watcher.Event's types and
// states). Error codes are ZooKeeper's already: storage/errors.ts holds them for every layer.

export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

/** xids a client uses for what is not a numbered request, and the server for events. */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
} as const;

export const KeeperState = {
  Disconnected: 0,
  SyncConnected: 3,
  AuthFailed: 4,
  Expired: -112,
} as const;

/** removeWatches/checkWatches' WatcherType. */
export const WatcherType = { children: 1, data: 2, any: 3 } as const;

/** addWatch's AddWatchMode. */
export const AddWatchMode = { persistent: 0, persistentRecursive: 1 } as const;

/** ZooDefs.Perms.ALL: the only ACL natszk has is world:anyone with every permission. */
export const PERMS_ALL = 31;

/** A request of a length past this is not a request (ZooKeeper's jute.maxbuffer is 1 MiB; data plus envelope). */
export const MAX_FRAME_BYTES = 1024 * 1024 + 64 * 1024;

/**
 * The four-letter words ZooKeeper answers when a connection's first four bytes spell one;
 * read as the big-endian int a frame length would be.
 */
export const FOUR_LETTER_WORDS = ['ruok', 'srvr', 'stat', 'envi', 'mntr', 'conf', 'cons', 'wchs', 'isro'] as const;
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

export function fourLetterWord(bytes: Uint8Array): FourLetterWord | undefined {
  if (bytes.length < 4) return undefined;
  const word = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  return (FOUR_LETTER_WORDS as readonly string[]).includes(word) ? (word as FourLetterWord) : undefined;
}
