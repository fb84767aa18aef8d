// How the actors of one split voting server talk: typed messages on the server's own
// subject; a malformed one is dropped, never acted on.

import type { Bus, Subscription } from '../../transport/bus.js';
import { decode, encode } from '../../transport/codec.js';
import { parseServerActorMessage, type ServerActorMessage } from '../../transport/messages.js';
import type { Subjects } from '../../transport/subjects.js';

export class ActorLink {
  constructor(private readonly bus: Bus, private readonly subjects: Subjects, private readonly serverId: number) {}

  listen(handler: (msg: ServerActorMessage) => void): Subscription {
    return this.bus.subscribe(this.subjects.serverActors(this.serverId), (m) => {
      let msg: ServerActorMessage;
      try {
        msg = parseServerActorMessage(decode(m.data));
      } catch {
        return;
      }
      handler(msg);
    });
  }

  tell(msg: ServerActorMessage): void {
    this.bus.publish(this.subjects.serverActors(this.serverId), encode(msg));
  }
}
