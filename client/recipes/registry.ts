// A service registry: each live instance is an ephemeral node under /services/<name>, so
// an instance whose process dies leaves the registry when its session ends, and watchers
// hear of every arrival and departure.

import { BadArgumentsError, NodeExistsError, NoNodeError, type Client } from '../index.js';
import { ensurePath } from './support.js';

export interface ServiceInstance {
  id: string;
  address?: string;
  port?: number;
  payload?: unknown;
}

export class ServiceRegistry {
  constructor(private readonly zk: Client, readonly base = '/services') {}

  /** Registers an instance for as long as this client's session lives; returns how to leave. */
  async register(name: string, instance: ServiceInstance): Promise<{ path: string; unregister: () => Promise<void> }> {
    const dir = this.dir(name);
    await ensurePath(this.zk, dir);
    const path = `${dir}/${instance.id}`;
    try {
      await this.zk.create(path, JSON.stringify(instance), { mode: 'ephemeral' });
    } catch (err) {
      if (err instanceof NodeExistsError) throw new NodeExistsError(`an instance ${instance.id} of ${name} is already registered`);
      throw err;
    }
    return {
      path,
      unregister: () => this.zk.delete(path).catch((err) => {
        if (!(err instanceof NoNodeError)) throw err;
      }),
    };
  }

  /** The live instances of a service, by id. */
  async instances(name: string): Promise<ServiceInstance[]> {
    const dir = this.dir(name);
    let ids: string[];
    try {
      ids = await this.zk.getChildren(dir);
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
    // One read of all of them, from one state of the tree.
    const results = await this.zk.multiRead(ids.map((id) => ({ op: 'getData' as const, path: `${dir}/${id}` })));
    return results.flatMap((r) => (r.type === 'getData' ? [JSON.parse(Buffer.from(r.data).toString()) as ServiceInstance] : []));
  }

  /** Calls onChange with the instances now and after every arrival or departure; returns how to stop. */
  async watch(name: string, onChange: (instances: ServiceInstance[]) => void): Promise<() => Promise<void>> {
    const dir = this.dir(name);
    await ensurePath(this.zk, dir);
    let stopped = false;
    const tell = () => {
      if (!stopped) this.instances(name).then((list) => !stopped && onChange(list), () => undefined);
    };
    const watcher = (e: { type: string }) => e.type === 'NodeChildrenChanged' && tell();
    await this.zk.addWatch(dir, watcher, 'persistent');
    tell();
    return async () => {
      stopped = true;
      await this.zk.removeWatches(dir, 'persistent').catch(() => undefined);
    };
  }

  private dir(name: string): string {
    if (!name || name.includes('/')) throw new BadArgumentsError(`a service name is one path segment, not ${JSON.stringify(name)}`);
    return `${this.base}/${name}`;
  }
}
