// How the command line shows stats and watch events: zkCli's layout, zxids in hex.

import type { Stat, WatchEvent } from '../../client/index.js';
import { STAT_FIELDS } from '../../storage/txn.js';
import { formatZxid } from '../../storage/zxid.js';

const ZXID_FIELDS = new Set<keyof Stat>(['czxid', 'mzxid', 'pzxid', 'ephemeralOwner']);
const TIME_FIELDS = new Set<keyof Stat>(['ctime', 'mtime']);

/** One `name: value` line per stat field. */
export function formatStat(stat: Stat): string {
  return STAT_FIELDS.map((f) => {
    const v = stat[f];
    const shown = ZXID_FIELDS.has(f) ? formatZxid(v) : TIME_FIELDS.has(f) ? `${new Date(v).toISOString()} (${v})` : String(v);
    return `${f}: ${shown}`;
  }).join('\n');
}

/** zkCli's two lines for a watch event, with the zxid of the change. */
export function formatEvent(e: WatchEvent): string {
  return `WATCHER::\nWatchedEvent state:SyncConnected type:${e.type} path:${e.path} zxid:${formatZxid(e.zxid)}`;
}

export function text(data: Uint8Array): string {
  return Buffer.from(data).toString('utf8');
}
