// Seeds that once failed, replayed on every test run. Add a seed here when the simulator
// or the soak finds one, with what it found.
export const REGRESSION_SEEDS: { seed: number; servers: number; found: string }[] = [
  // The simulator's first clock returned fractional milliseconds: every proposal carried a
  // non-integer time, failed peer-message validation and was dropped whole, so followers
  // asked for a resync forever and no write was ever acknowledged.
  { seed: 4, servers: 3, found: 'entries that fail validation are dropped whole: endless resync, no progress' },
  { seed: 5, servers: 3, found: 'same as seed 4' },
  // A leader persisted its currentEpoch before a quorum acknowledged the epoch; after it
  // lost, it looked newer than followers holding committed writes, won, and its SNAP wiped
  // them: acknowledged writes lost.
  { seed: 407, servers: 3, found: 'leader persisted currentEpoch too early: acknowledged writes lost' },
  { seed: 1074, servers: 3, found: 'same as seed 407' },
  { seed: 1256, servers: 3, found: 'same as seed 407' },
  // A follower of a leader that never answered was kept alive by a deposed leader's pings.
  { seed: 1316, servers: 3, found: 'silence timer reset by another epoch\'s messages: follower stuck forever' },
  // Two servers kept electing each other: each leaned on the other's word from an older round.
  { seed: 1479, servers: 3, found: 'election livelock on stale following notifications' },
  // A restarted leader reused round 1; its old followers' stale round-1 notifications made it
  // leader again and again with a history older than theirs (livelock, no leader after calm).
  { seed: 100350, servers: 5, found: 'restarted server reused old election rounds: livelock' },
  // A restarted follower held an uncommitted tail from its own epoch as leader; the TRUNC
  // meant for it was lost, and the DIFF behind it was logged after that tail (it passed the
  // gap check: it left no hole), so the tail was applied and the trees disagreed.
  { seed: 501, servers: 3, found: 'lost TRUNC: DIFF logged after an uncommitted tail (ZOOKEEPER-1154)' },
];
