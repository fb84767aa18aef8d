// The four-letter words a gateway answers on its ZooKeeper port. Most are the session actor's
// (bin/admin-words.ts); cons and stat list TCP connections the way ZooKeeper's do, and conf
// says what this gateway was started with.

import type { FourLetterWord } from '../../transport/jute/codes.js';
import type { GatewayClient } from './gateway.js';

export interface GatewayWordSources {
  /** the session actor's words (ruok, srvr, mntr, wchs, envi) */
  session: Partial<Record<string, () => string>>;
  clients: () => GatewayClient[];
  conf: () => Record<string, string | number>;
}

export function consLine(c: GatewayClient): string {
  const sid = c.sessionId === undefined ? '0x0' : `0x${c.sessionId.toString(16)}`;
  return ` /${c.remote}[1](queued=0,recved=${c.counts.received},sent=${c.counts.sent},sid=${sid},lop=${c.counts.lastOp},est=${c.established},`
    + `to=${c.timeout ?? 0},lcxid=0x${(c.counts.lastXid >>> 0).toString(16)},lzxid=0x${c.counts.lastZxid.toString(16)})`;
}

export function gatewayWord(word: FourLetterWord, src: GatewayWordSources): string {
  const cons = () => src.clients().map(consLine).join('\n');
  const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  switch (word) {
    case 'ruok': return 'imok';
    // A Java client allowed read-only servers asks so before it settles on one; natszk always writes.
    case 'isro': return 'rw';
    case 'cons': return `${cons()}\n\n`;
    case 'stat': return line(`${src.session.srvr?.() ?? ''}\nClients:\n${cons()}\n`);
    case 'conf': return line(Object.entries(src.conf()).map(([k, v]) => `${k}=${v}`).join('\n'));
    default: return line(src.session[word]?.() ?? '');
  }
}
